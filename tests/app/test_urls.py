"""URL builder: one place formats every path, from the route table, and pages and JSON share them."""

from __future__ import annotations

import pytest

from app import routes, urls
from store.records import AssetRef

LAYER = {"model": "m", "layer": "mixed4b"}


def test_pages_mirror_the_resource_hierarchy() -> None:
    assert urls.path(routes.MODEL, model="cifar-resnet20") == "/models/cifar-resnet20"
    assert urls.path(routes.LAYER, model="cifar-resnet20", layer="layer2.3") == "/models/cifar-resnet20/layers/layer2.3"
    unit = urls.path(routes.UNIT, model="cifar-resnet20", layer="layer2.3", unit=17)
    assert unit == "/models/cifar-resnet20/layers/layer2.3/units/17"


def test_a_route_is_named_by_its_constant_or_its_name() -> None:
    assert urls.path("unit", model="m", layer="l", unit=3) == urls.path(routes.UNIT, model="m", layer="l", unit=3)
    assert urls.path("index") == "/"


def test_json_lives_under_api_v1_at_the_same_path() -> None:
    assert urls.path(routes.API_MODEL, model="m") == "/api/v1" + urls.path(routes.MODEL, model="m")
    assert urls.path(routes.API_LAYER, model="m", layer="l") == "/api/v1" + urls.path(
        routes.LAYER, model="m", layer="l"
    )
    unit = {"model": "m", "layer": "l", "unit": 3}
    assert urls.path(routes.API_UNIT, **unit) == "/api/v1" + urls.path(routes.UNIT, **unit)
    branches = urls.path(routes.API_BRANCHES, model="m", layer="l")
    assert (
        branches == "/api/v1" + urls.path(routes.BRANCHES, model="m", layer="l") == "/api/v1/models/m/layers/l/branches"
    )
    assert urls.path(routes.API_MODELS) == "/api/v1/models"


def test_weights_live_under_their_layer_and_unit() -> None:
    assert urls.path(routes.LAYER_WEIGHTS, **LAYER) == "/models/m/layers/mixed4b/weights"
    assert urls.path(routes.API_LAYER_WEIGHTS, **LAYER) == "/api/v1" + urls.path(routes.LAYER_WEIGHTS, **LAYER)
    unit_weights = urls.path(routes.API_UNIT_WEIGHTS, **LAYER, unit=409)
    assert unit_weights == "/api/v1/models/m/layers/mixed4b/units/409/weights"


def test_unit_refs_keep_their_colon_readable() -> None:
    assert urls.path(routes.UNIT_REF, model="m", ref="layer2.3:17") == "/models/m/units/layer2.3:17"
    assert urls.path(routes.API_UNIT_REF, model="m", ref="4b:409") == "/api/v1/models/m/units/4b:409"
    assert urls.path(routes.UNIT_REF, model="m", ref="m@a/b:1") == "/models/m/units/m@a%2Fb:1"


def test_search_urls_encode_their_query() -> None:
    assert urls.path(routes.UNIT_SEARCH, model="m") == "/models/m/units"
    assert urls.path(routes.UNIT_SEARCH, {"ref": "a b:1"}, model="m") == "/models/m/units?ref=a+b%3A1"
    assert urls.path(routes.SEARCH, {"q": "m/l:1"}) == "/search?q=m%2Fl%3A1"


def test_query_values_that_are_none_are_left_out() -> None:
    assert urls.path(routes.SEARCH, {"q": None}) == "/search"
    assert (
        urls.path(routes.LAYER, {"sort": None, "max_bw": "0.3"}, model="m", layer="l")
        == "/models/m/layers/l?max_bw=0.3"
    )


def test_segments_are_quoted() -> None:
    assert urls.path(routes.LAYER, model="m", layer="a/b c") == "/models/m/layers/a%2Fb%20c"


def test_a_missing_or_unknown_parameter_is_refused() -> None:
    with pytest.raises(TypeError, match="takes \\['layer', 'model'\\]"):
        urls.path(routes.LAYER, model="m")
    with pytest.raises(TypeError):
        urls.path(routes.MODEL, model="m", layer="l")
    with pytest.raises(KeyError, match="unknown route"):
        urls.path("no_such_route")


def test_asset_url_is_its_content_hash() -> None:
    sha = "ab" * 32
    assert urls.asset(AssetRef(sha, "png")) == f"/assets/{sha}.png"
    assert urls.maybe_asset(None) is None


def test_asset_url_at_a_static_host_is_its_key_under_the_base() -> None:
    sha = "ab" * 32
    with urls.asset_base("https://cdn.example.org/m/"):
        assert urls.asset(AssetRef(sha, "png")) == f"https://cdn.example.org/m/ab/{sha}.png"
    assert urls.asset(AssetRef(sha, "png")) == f"/assets/{sha}.png"  # the service's again outside the block


def test_circuit_urls_keep_their_unit_list_readable() -> None:
    groups = [("mixed3b", [379, 385]), ("mixed4a", [12])]
    assert urls.circuit_page("m", groups) == "/models/m/circuit?units=mixed3b:379,385;mixed4a:12"
    expected = "/api/v1/models/m/circuit?units=mixed3b:379,385;mixed4a:12&order=svd1"
    assert urls.api_circuit("m", groups, "svd1") == expected
    assert urls.circuit_page("m", groups, "given", 2) == "/models/m/circuit?units=mixed3b:379,385;mixed4a:12&page=2"
    assert urls.circuit_card("m", "mixed3b:379") == "/models/m/circuit/card.png?units=mixed3b:379"


def test_family_views_live_under_their_layer_and_keep_a_non_default_top() -> None:
    assert (
        urls.path(routes.FAMILY, model="m", layer="mixed3b", family="curves")
        == "/models/m/layers/mixed3b/families/curves"
    )
    lines = urls.path(routes.API_FAMILY, {"top": 8}, model="m", layer="mixed3b", family="lines")
    assert lines == "/api/v1/models/m/layers/mixed3b/families/lines?top=8"


def test_compare_urls_keep_their_model_list_readable() -> None:
    assert urls.path(routes.COMPARE, {"family": "curves"}) == "/compare?family=curves"
    chosen = urls.path(routes.COMPARE, {"family": "curves", "models": "a,b", "top": 3})
    assert chosen == "/compare?family=curves&models=a,b&top=3"
    assert (
        urls.path(routes.API_COMPARE, {"family": "lines", "models": "x y"}) == "/api/v1/compare?family=lines&models=x+y"
    )


def test_the_sign_in_form_keeps_its_return_path_readable() -> None:
    assert urls.path(routes.INSTRUCTOR, {"next": "/models/m?x=1"}) == "/instructor?next=/models/m%3Fx%3D1"


def test_a_tours_presentation_opens_at_a_stop() -> None:
    assert urls.tour_present("t") == "/tours/t/present"
    assert urls.tour_present("t", 3) == "/tours/t/present#stop-3"


def test_a_layers_downloads_live_under_its_json() -> None:
    base = urls.path(routes.API_LAYER, **LAYER)
    assert urls.path(routes.API_LAYER_UNITS_JSONL, **LAYER) == base + "/units.jsonl"
    assert urls.path(routes.API_LAYER_UNITS_PARQUET, **LAYER) == base + "/units.parquet"
    assert urls.path(routes.API_LAYER_FEATURE_VIS_ZIP, **LAYER) == base + "/feature-vis.zip"


def test_findings_live_under_their_model() -> None:
    assert urls.path(routes.FINDINGS, model="demo net") == "/models/demo%20net/findings"
    assert urls.path(routes.API_FINDINGS, model="m") == "/api/v1/models/m/findings"
