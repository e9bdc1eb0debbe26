"""The heatmap of a two-factor tuning curve: a cell per value, labelled axes, a colour scale, escaped text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from store.figures.heatmap import heatmap_svg

SVG = "{http://www.w3.org/2000/svg}"


def _plot(values: list[list[float]], rows: list[str], columns: list[str]) -> ET.Element:
    svg = heatmap_svg(
        values, rows=rows, columns=columns, label="l", row_title="radius", column_title="orientation", value_title="act"
    )
    return ET.fromstring(str(svg))


def test_every_value_is_a_cell_with_its_value_on_hover() -> None:
    root = _plot([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], ["0.1", "0.2"], ["0", "15", "30"])
    cells = root.findall(f".//{SVG}g[@class='cell']")
    assert len(cells) == 6
    assert cells[4].find(f"{SVG}rect/{SVG}title").text == "radius 0.2, orientation 15: 4"


def test_higher_values_are_brighter_on_the_viridis_scale() -> None:
    fills = [g.get("fill") for g in _plot([[0.0, 1.0]], ["r"], ["a", "b"]).findall(f".//{SVG}g[@class='cell']")]
    assert fills[0] != fills[1] and fills[1] > fills[0]  # viridis: #44… dark purple → #fd… yellow


def test_axes_titles_row_labels_and_the_colour_scale_are_drawn() -> None:
    root = _plot([[0.0, 1.0], [1.0, 0.0]], ["0.14", "0.33"], ["0", "90"])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"radius", "orientation", "act", "0.14", "0.33", "0", "90"} <= set(texts)
    assert root.find(f".//{SVG}g[@class='legend colour-scale']") is not None


def test_many_columns_label_only_some() -> None:
    columns = [str(a) for a in range(0, 360, 15)]
    texts = [t.text for t in _plot([[1.0] * 24], ["r"], columns).iter(f"{SVG}text")]
    assert "0" in texts and "15" not in texts


def test_labels_are_escaped() -> None:
    svg = str(
        heatmap_svg(
            [[1.0]], rows=["<r>"], columns=["&c"], label="<x>", row_title="a", column_title="b", value_title="v"
        )
    )
    assert "<r>" not in svg and ET.fromstring(svg) is not None
