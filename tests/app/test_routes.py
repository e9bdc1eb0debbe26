"""The route table: every route is registered under its name, and `app.urls` builds what Starlette builds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from store.records import AssetRef

SHA = "ab" * 32
# FastAPI's schema and the API docs (app/docs.py), outside the table.
DOCS = {"openapi", "swagger_ui_html", "swagger_ui_files"}
# Each route's sample parameters and the `urls` builder that formats it (None where nothing links to it).
BUILDERS: dict[str, tuple[dict[str, str | int], Callable[[], str | None] | None]] = {
    "index": ({}, urls.index),
    "models": ({}, None),
    "model": ({"model": "m"}, lambda: urls.model_page("m")),
    "layer": ({"model": "m", "layer": "layer2.3"}, lambda: urls.layer_page("m", "layer2.3")),
    "branches": ({"model": "m", "layer": "mixed4b"}, lambda: urls.branches_page("m", "mixed4b")),
    "unit": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.unit_page("m", "l", 3)),
    "layer_weights": ({"model": "m", "layer": "l"}, lambda: urls.layer_weights_page("m", "l")),
    "unit_search": ({"model": "m"}, lambda: urls.unit_search("m")),
    "unit_ref": ({"model": "m", "ref": "4b:409"}, lambda: urls.unit_ref_redirect("m", "4b:409")),
    "search": ({}, urls.search),
    "microscope_unit": ({"model": "m", "op": "mixed4b_0", "unit": 409}, None),
    "api_root": ({}, urls.api_root),
    "api_models": ({}, urls.api_models),
    "api_model": ({"model": "m"}, lambda: urls.api_model("m")),
    "api_layer": ({"model": "m", "layer": "l"}, lambda: urls.api_layer("m", "l")),
    "api_branches": ({"model": "m", "layer": "l"}, lambda: urls.api_branches("m", "l")),
    "api_unit": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.api_unit("m", "l", 3)),
    "api_layer_weights": ({"model": "m", "layer": "l"}, lambda: urls.api_layer_weights("m", "l")),
    "api_unit_weights": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.api_unit_weights("m", "l", 3)),
    "api_layer_units_jsonl": ({"model": "m", "layer": "l"}, lambda: urls.api_layer_units_jsonl("m", "l")),
    "api_layer_units_parquet": ({"model": "m", "layer": "l"}, lambda: urls.api_layer_units_parquet("m", "l")),
    "api_layer_feature_vis_zip": ({"model": "m", "layer": "l"}, lambda: urls.api_layer_feature_vis_zip("m", "l")),
    "api_unit_search": ({"model": "m"}, None),
    "api_unit_ref": ({"model": "m", "ref": "l:3"}, lambda: urls.api_unit_ref_redirect("m", "l:3")),
    "api_search": ({}, urls.api_search),
    "api_search_suggest": ({}, urls.api_search_suggest),
    "circuit": ({"model": "m"}, lambda: urls.circuit_page("m", []).partition("?")[0]),
    "api_circuit": ({"model": "m"}, lambda: urls.api_circuit("m", []).partition("?")[0]),
    "family": ({"model": "m", "layer": "l", "family": "curves"}, lambda: urls.family_page("m", "l", "curves")),
    "api_family": ({"model": "m", "layer": "l", "family": "lines"}, lambda: urls.api_family("m", "l", "lines")),
    "compare": ({}, lambda: urls.compare_page("curves").partition("?")[0]),
    "api_compare": ({}, lambda: urls.api_compare("curves").partition("?")[0]),
    "model_card": ({"model": "m"}, lambda: urls.model_card("m")),
    "layer_card": ({"model": "m", "layer": "l"}, lambda: urls.layer_card("m", "l")),
    "unit_card": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.unit_card("m", "l", 3)),
    "circuit_card": ({"model": "m"}, lambda: urls.circuit_card("m", "").partition("?")[0]),
    "asset": ({"sha256": SHA, "ext": "png"}, lambda: urls.asset(AssetRef(SHA, "png"))),
    "static": ({"path": "style.css"}, lambda: urls.static("style.css")),
    "probe": ({"model": "m"}, lambda: urls.probe_page("m")),
    "api_probe": ({"model": "m"}, lambda: urls.api_probe("m")),
    "findings": ({"model": "m"}, lambda: urls.findings_page("m")),
    "api_findings": ({"model": "m"}, lambda: urls.api_findings("m")),
    "unit_note": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.unit_note("m", "l", 3)),
    "api_unit_note": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.api_unit_note("m", "l", 3)),
    "notes_history": ({}, urls.notes_history),
    "api_notes_history": ({}, urls.api_notes_history),
    "unit_note_history": ({"model": "m", "layer": "l", "unit": 3}, lambda: urls.unit_note_history("m", "l", 3)),
    "api_unit_note_history": (
        {"model": "m", "layer": "l", "unit": 3},
        lambda: urls.api_unit_note_history("m", "l", 3),
    ),
    "instructor": ({}, urls.instructor),
    "instructor_logout": ({}, urls.instructor_logout),
    "tours": ({}, urls.tours),
    "tour": ({"slug": "t"}, lambda: urls.tour_page("t")),
    "tour_present": ({"slug": "t"}, lambda: urls.tour_present("t")),
    "tour_edit": ({"slug": "t"}, lambda: urls.tour_edit("t")),
    "tour_delete": ({"slug": "t"}, lambda: urls.tour_delete("t")),
    "api_tours": ({}, urls.api_tours),
    "api_tour": ({"slug": "t"}, lambda: urls.api_tour("t")),
    "tour_history": ({"slug": "t"}, lambda: urls.tour_history("t")),
    "api_tour_history": ({"slug": "t"}, lambda: urls.api_tour_history("t")),
}


def test_every_route_in_the_table_is_registered_at_its_path(app_routes: list[Any]) -> None:
    registered = {r.name: r.path for r in app_routes}
    assert {r.name: registered.get(r.name) for r in routes.ROUTES} == {r.name: r.path for r in routes.ROUTES}


def test_every_registered_route_comes_from_the_table_under_a_unique_name(app_routes: list[Any]) -> None:
    names = Counter((r.name, method) for r in app_routes for method in sorted(getattr(r, "methods", None) or [""]))
    assert {name for name, _ in names} - DOCS == {r.name for r in routes.ROUTES}
    assert all(count == 1 for count in names.values()), names  # one handler per name and method


def test_unit_refs_match_before_openai_microscope_urls(app_routes: list[Any]) -> None:
    # `/models/m/units/l:3` and `/models/m/layers/l` would also match `/models/{model}/{op}/{unit}`.
    order = [r.name for r in app_routes]
    assert order.index("layer") < order.index("microscope_unit")
    assert order.index("unit_ref") < order.index("microscope_unit")


def test_json_twins_live_under_api_v1_at_the_page_path() -> None:
    assert (routes.API_UNIT.name, routes.API_UNIT.path) == ("api_unit", "/api/v1" + routes.UNIT.path)
    assert routes.API_UNIT_REF.path == "/api/v1/models/{model}/units/{ref}"


@pytest.mark.parametrize("route", routes.ROUTES, ids=lambda r: r.name)
def test_urls_agree_with_starlette_url_path_for(client: TestClient, route: routes.Route) -> None:
    params, build = BUILDERS[route.name]
    expected = build() if build is not None else route.format(**{k: str(v) for k, v in params.items()})
    assert client.app.url_path_for(route.name, **params) == expected
