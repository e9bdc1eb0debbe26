"""The polar tuning plot: valid SVG, one closed line per series, rings, angle labels, a marked angle, a legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from store.figures.polar import Series, polar_svg

SVG = "{http://www.w3.org/2000/svg}"
ANGLES = [float(a) for a in range(0, 360, 30)]


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _plot(**overrides: object) -> str:
    series = [Series("lines", [1.0] * 12), Series("curves", [float(i) for i in range(12)])]
    return str(polar_svg(ANGLES, series, label="u:1 by orientation", value_title="activation", **overrides))


def test_the_svg_parses_with_one_closed_line_and_a_point_per_angle_for_each_series() -> None:
    root = _tree(_plot())
    assert len(root.findall(f".//{SVG}polygon")) == 2
    series = root.findall(f".//{SVG}g[@class='series']")
    assert [len(g.findall(f"{SVG}circle")) for g in series] == [12, 12]


def test_angles_are_labelled_every_45_degrees_and_rings_by_value() -> None:
    texts = [t.text for t in _tree(_plot()).iter(f"{SVG}text")]
    assert all(f"{a}°" in texts for a in range(0, 360, 45))
    assert "rings: activation" in texts and "10" in texts


def test_a_point_at_0_degrees_lies_right_of_the_centre_and_90_above_it() -> None:
    single = [0.0] * 12
    single[0], single[3] = 1.0, 1.0
    root = _tree(str(polar_svg(ANGLES, [Series("s", single)], label="l", value_title="v")))
    dots = root.find(f".//{SVG}g[@class='series']").findall(f"{SVG}circle")
    centre = float(dots[1].get("cx")), float(dots[1].get("cy"))  # value 0: at the centre
    assert float(dots[0].get("cx")) > centre[0] and float(dots[3].get("cy")) < centre[1]


def test_the_mark_is_drawn_and_named_in_the_legend() -> None:
    root = _tree(_plot(mark=120.0, mark_title="preferred"))
    assert root.find(f".//{SVG}g[@class='mark']") is not None
    legend = [t.text for t in root.find(f".//{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert legend == ["lines", "curves", "preferred 120°"]


def test_names_are_escaped() -> None:
    svg = str(polar_svg(ANGLES, [Series("<b>&", [1.0] * 12)], label="<script>", value_title="v"))
    assert "<b>" not in svg and "<script>" not in svg and _tree(svg) is not None


def test_all_zero_values_still_draw_a_scale() -> None:
    root = _tree(str(polar_svg(ANGLES, [Series("s", [0.0] * 12)], label="l", value_title="v")))
    assert root.findall(f".//{SVG}g[@class='axis polar-grid']")
