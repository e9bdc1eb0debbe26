"""URL builder: one place formats every path, and pages and JSON share them."""

from __future__ import annotations

from app import urls
from store.records import AssetRef


def test_pages_mirror_the_resource_hierarchy() -> None:
    assert urls.model_page("cifar-resnet20") == "/models/cifar-resnet20"
    assert urls.layer_page("cifar-resnet20", "layer2.3") == "/models/cifar-resnet20/layers/layer2.3"
    assert urls.unit_page("cifar-resnet20", "layer2.3", 17) == "/models/cifar-resnet20/layers/layer2.3/units/17"


def test_json_lives_under_api_v1_at_the_same_path() -> None:
    assert urls.api_model("m") == "/api/v1" + urls.model_page("m")
    assert urls.api_layer("m", "l") == "/api/v1" + urls.layer_page("m", "l")
    assert urls.api_unit("m", "l", 3) == "/api/v1" + urls.unit_page("m", "l", 3)
    assert (
        urls.api_branches("m", "l") == "/api/v1" + urls.branches_page("m", "l") == "/api/v1/models/m/layers/l/branches"
    )
    assert urls.api_models() == "/api/v1/models"


def test_weights_live_under_their_layer_and_unit() -> None:
    assert urls.layer_weights_page("m", "mixed4b") == "/models/m/layers/mixed4b/weights"
    assert urls.api_layer_weights("m", "mixed4b") == "/api/v1" + urls.layer_weights_page("m", "mixed4b")
    assert urls.api_unit_weights("m", "mixed4b", 409) == "/api/v1/models/m/layers/mixed4b/units/409/weights"


def test_unit_refs_keep_their_colon_readable() -> None:
    assert urls.unit_ref_redirect("m", "layer2.3:17") == "/models/m/units/layer2.3:17"
    assert urls.api_unit_ref_redirect("m", "4b:409") == "/api/v1/models/m/units/4b:409"


def test_search_urls_encode_their_query() -> None:
    assert urls.unit_search("m") == "/models/m/units"
    assert urls.unit_search("m", "a b:1") == "/models/m/units?ref=a+b%3A1"
    assert urls.search("m/l:1") == "/search?q=m%2Fl%3A1"


def test_segments_are_quoted() -> None:
    assert urls.layer_page("m", "a/b c") == "/models/m/layers/a%2Fb%20c"


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


def test_family_views_live_under_their_layer_and_keep_a_non_default_top() -> None:
    assert urls.family_page("m", "mixed3b", "curves") == "/models/m/layers/mixed3b/families/curves"
    assert urls.api_family("m", "mixed3b", "lines", 8) == "/api/v1/models/m/layers/mixed3b/families/lines?top=8"


def test_compare_urls_keep_their_model_list_readable() -> None:
    assert urls.compare_page("curves") == "/compare?family=curves"
    assert urls.compare_page("curves", ["a", "b"], 3) == "/compare?family=curves&models=a,b&top=3"
    assert urls.api_compare("lines", ["x y"]) == "/api/v1/compare?family=lines&models=x+y"


def test_a_layers_downloads_live_under_its_json() -> None:
    base = urls.api_layer("m", "mixed4b")
    assert urls.api_layer_units_jsonl("m", "mixed4b") == base + "/units.jsonl"
    assert urls.api_layer_units_parquet("m", "mixed4b") == base + "/units.parquet"
    assert urls.api_layer_feature_vis_zip("m", "mixed4b") == base + "/feature-vis.zip"


def test_findings_live_under_their_model() -> None:
    assert urls.findings_page("demo net") == "/models/demo%20net/findings"
    assert urls.api_findings("m") == "/api/v1/models/m/findings"
