"""Tuning curves in the unit JSON and on the unit page: block1 of the toy store has `orientation` and `curvature`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app import routes, urls
from tests.conftest import TOY_MODEL


def test_the_unit_json_holds_each_curve_with_its_axes_and_values(client: TestClient) -> None:
    unit = client.get(urls.path(routes.API_UNIT, model=TOY_MODEL, layer="block1", unit=2)).json()
    curves = {curve["name"]: curve for curve in unit["curves"]}
    assert set(curves) == {"orientation", "curvature"}
    assert list(curves["curvature"]["axes"]) == ["radius", "orientation"]
    assert len(curves["curvature"]["values"]) == 2 and len(curves["curvature"]["values"][0]) == 12
    orientation = curves["orientation"]
    peak = orientation["axes"]["orientation"][orientation["values"].index(max(orientation["values"]))]
    assert peak == 60  # the toy unit u peaks at 30·u degrees


def test_a_unit_without_curves_has_an_empty_list_and_no_tuning_section(client: TestClient) -> None:
    assert client.get(urls.path(routes.API_UNIT, model=TOY_MODEL, layer="conv1", unit=0)).json()["curves"] == []
    assert "Tuning curves" not in client.get(urls.path(routes.UNIT, model=TOY_MODEL, layer="conv1", unit=0)).text


def test_the_unit_page_draws_a_polar_plot_and_a_heatmap(client: TestClient) -> None:
    page = client.get(urls.path(routes.UNIT, model=TOY_MODEL, layer="block1", unit=2)).text
    assert "<h2>Tuning curves</h2>" in page
    assert page.count('class="plot plot-polar"') == 1 and page.count('class="plot plot-heatmap"') == 1
