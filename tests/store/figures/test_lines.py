"""The small line chart of hue and frequency tuning: a point per value, axes, a legend, coloured points, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from store.figures.lines import line_chart_svg
from store.figures.polar import Series

SVG = "{http://www.w3.org/2000/svg}"


def _root(**overrides: object) -> ET.Element:
    series = [Series("best", [1.0, 3.0, 2.0]), Series("mean", [0.5, 1.0, 1.0])]
    svg = line_chart_svg(["1", "2", "4"], series, label="l", x_title="frequency", y_title="activation", **overrides)
    return ET.fromstring(str(svg))


def test_each_series_is_a_line_with_a_point_per_value_and_a_legend_entry() -> None:
    root = _root()
    assert [len(g.findall(f"{SVG}circle")) for g in root.findall(f".//{SVG}g[@class='series']")] == [3, 3]
    assert [t.text for t in root.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")] == ["best", "mean"]


def test_axes_carry_titles_and_the_x_labels() -> None:
    texts = [t.text for t in _root().iter(f"{SVG}text")]
    assert {"frequency", "activation", "1", "2", "4"} <= set(texts)


def test_point_colours_fill_the_first_series() -> None:
    root = _root(point_colours=["#ff0000", "#00ff00", "#0000ff"])
    first = root.find(f".//{SVG}g[@class='series']")
    assert [c.get("fill") for c in first.findall(f"{SVG}circle")] == ["#ff0000", "#00ff00", "#0000ff"]


def test_names_are_escaped() -> None:
    svg = str(line_chart_svg(["<a>"], [Series("<s>", [1.0])], label="<l>", x_title="x", y_title="y"))
    assert "<s>" not in svg and "<a>" not in svg and ET.fromstring(svg) is not None
