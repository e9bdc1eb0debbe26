"""Tuning curves in the unit JSON and on the unit page: block1 of the toy store has `orientation` and `curvature`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from app import urls
from app.schemas import CurvePublic, UnitPublic
from app.tuning_view import tuning_plots
from tests.conftest import TOY_MODEL

SVG = "{http://www.w3.org/2000/svg}"


def test_the_unit_json_holds_each_curve_with_its_axes_and_values(client: TestClient) -> None:
    unit = client.get(urls.api_unit(TOY_MODEL, "block1", 2)).json()
    curves = {curve["name"]: curve for curve in unit["curves"]}
    assert set(curves) == {"orientation", "curvature"}
    assert list(curves["curvature"]["axes"]) == ["radius", "orientation"]
    assert len(curves["curvature"]["values"]) == 2 and len(curves["curvature"]["values"][0]) == 12
    orientation = curves["orientation"]
    peak = orientation["axes"]["orientation"][orientation["values"].index(max(orientation["values"]))]
    assert peak == 60  # the toy unit u peaks at 30·u degrees


def test_a_unit_without_curves_has_an_empty_list_and_no_tuning_section(client: TestClient) -> None:
    assert client.get(urls.api_unit(TOY_MODEL, "conv1", 0)).json()["curves"] == []
    assert "Tuning curves" not in client.get(urls.unit_page(TOY_MODEL, "conv1", 0)).text


def test_the_unit_page_draws_a_polar_plot_and_a_heatmap(client: TestClient) -> None:
    page = client.get(urls.unit_page(TOY_MODEL, "block1", 2)).text
    assert "<h2>Tuning curves</h2>" in page
    assert page.count('class="plot plot-polar"') == 1 and page.count('class="plot plot-heatmap"') == 1


def _unit_with(curves: list[CurvePublic], client: TestClient, scores: dict[str, float] | None = None) -> UnitPublic:
    unit = UnitPublic.model_validate(client.get(urls.api_unit(TOY_MODEL, "block1", 1)).json())
    return unit.model_copy(update={"curves": curves, "scores": scores or {}})


def test_every_stored_curve_gets_a_plot_orientation_first_drawing_lines_edges_and_curves_apart(
    client: TestClient,
) -> None:
    angles = [float(a) for a in range(0, 360, 15)]
    curves = [
        CurvePublic(name="hue", axes={"hue": angles}, values=[1.0] * 24),
        CurvePublic(name="orientation", axes={"orientation": angles}, values=[1.0] * 24),
        CurvePublic(name="line", axes={"orientation": angles}, values=[0.5] * 24),
        CurvePublic(
            name="frequency", axes={"frequency": [1.0, 2.0], "orientation": [0.0, 90.0]}, values=[[1, 2], [3, 4]]
        ),
    ]
    plots = tuning_plots(_unit_with(curves, client, {"orientation": 45.0}))
    assert [plot.title for plot in plots] == ["Orientation", "Hue", "Spatial frequency"]
    polar = ET.fromstring(str(plots[0].svg))
    assert len(polar.findall(f".//{SVG}polygon")) == 1 and polar.find(f".//{SVG}g[@class='mark']") is not None
    legend = [t.text for t in polar.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend == ["lines", "preferred 45°"]  # the best of the stored curves is not drawn over them again
