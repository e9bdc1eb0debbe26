"""The route table: every route is registered under its name, and `app.urls` builds what Starlette builds."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from store.records import AssetRef

SHA = "ab" * 32
# FastAPI's schema and the API docs (app/web/docs.py), outside the table.
DOCS = {"openapi", "swagger_ui_html", "swagger_ui_files"}
# A sample value of each path parameter the table's routes take.
SAMPLES: dict[str, str | int] = {
    "model": "m",
    "layer": "layer2.3",
    "unit": 3,
    "ref": "4b:409",
    "op": "mixed4b_0",
    "family": "curves",
    "slug": "t",
    "sha256": SHA,
    "ext": "png",
    "spec": "ablate:mixed4a:40,51",
}


def _params(route: routes.Route) -> dict[str, str | int]:
    return {name: SAMPLES[name] for name in re.findall(r"{(\w+)}", route.path)}


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
    assert order.index("experiment") < order.index("microscope_unit")  # `/models/m/experiments/ablate:l:1` too


def test_json_twins_live_under_api_v1_at_the_page_path() -> None:
    assert (routes.API_UNIT.name, routes.API_UNIT.path) == ("api_unit", "/api/v1" + routes.UNIT.path)
    assert routes.API_UNIT_REF.path == "/api/v1/models/{model}/units/{ref}"


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if r != routes.STATIC], ids=lambda r: r.name)
def test_urls_agree_with_starlette_url_path_for(client: TestClient, route: routes.Route) -> None:
    params = _params(route)
    assert (
        urls.path(route, **params) == urls.path(route.name, **params) == client.app.url_path_for(route.name, **params)
    )


def test_static_and_asset_urls_agree_with_starlette_url_path_for(client: TestClient) -> None:
    assert urls.static("style.css") == client.app.url_path_for("static", path="style.css")
    assert urls.asset(AssetRef(SHA, "png")) == client.app.url_path_for("asset", sha256=SHA, ext="png")
