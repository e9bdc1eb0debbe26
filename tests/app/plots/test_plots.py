"""Server-side SVG plots: well-formed XML with axes, tick labels, titles and legends, text escaped, no inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.plots.bars import share_bars_svg
from app.plots.scatter import ColourScale, Point, SheetCell, scatter_svg, thumb_size
from store.figures.axes import Scale, nice_domain, tick_text

NS = {"svg": "http://www.w3.org/2000/svg"}
EVIL = '<script>alert("x")</script> & co'


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # raises on malformed XML


def _texts(root: ET.Element, css_class: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{{{NS['svg']}}}text") if css_class in (t.get("class") or "").split()]


def _points(n: int = 3, scored: bool = True) -> list[Point]:
    return [
        Point(i / 10, -i / 20, f"block1:{i}", f"/models/m/layers/block1/units/{i}", f"/assets/{i}.png", i / n)
        if scored or i
        else Point(0.0, 0.0, "block1:0", "/u/0", "/assets/0.png", None)
        for i in range(n)
    ]


BW = ColourScale("bw ratio")


def _scatter(points: list[Point], colours: ColourScale | None = BW) -> ET.Element:
    return _parse(
        scatter_svg(points, label="Units of block1", x_title="component 1", y_title="component 2", colours=colours)
    )


def test_scatter_has_both_axes_with_ticks_and_titles() -> None:
    root = _scatter(_points())
    assert root.get("viewBox") and root.get("role") == "img"
    assert _texts(root, "axis-title") == ["component 2", "component 1"]
    assert len(_texts(root, "tick")) >= 2 * 3  # at least three ticks on each axis, plus the legend's
    assert root.find("svg:g[@class='axis x-axis']", NS) is not None
    assert root.find("svg:g[@class='axis y-axis']", NS) is not None


def test_scatter_points_are_linked_titled_thumbnails() -> None:
    root = _scatter(_points())
    links = root.findall(".//svg:a[@class='point']", NS)
    assert [a.get("href") for a in links] == [f"/models/m/layers/block1/units/{i}" for i in range(3)]
    assert [a.find("svg:title", NS).text for a in links] == ["block1:0", "block1:1", "block1:2"]
    assert [img.get("href") for img in root.iter(f"{{{NS['svg']}}}image")] == [f"/assets/{i}.png" for i in range(3)]


def test_scatter_points_cut_from_a_sheet_show_their_cell_through_a_clipping_viewport() -> None:
    cells = [SheetCell("/sheet.webp", 72, 36, 36 * i, 0, 36) for i in range(2)]
    points = [Point(i / 10, i / 10, f"block1:{i}", f"/u/{i}", cells[i], None) for i in range(2)]
    root = _scatter(points, colours=None)
    side = thumb_size(2)
    viewports = root.findall(".//svg:a[@class='point']/svg:g/svg:svg", NS)
    assert [v.get("viewBox") for v in viewports] == ["0 0 36 36", "36 0 36 36"]  # each unit's own cell
    assert {(v.get("width"), v.get("height")) for v in viewports} == {(str(side), str(side))}
    sheets = [v.find("svg:image", NS) for v in viewports]
    assert {(i.get("href"), i.get("width"), i.get("height")) for i in sheets} == {("/sheet.webp", "72", "36")}


def test_scatter_rings_take_the_score_colour_with_a_legend() -> None:
    root = _scatter(_points())
    rings = [r.get("stroke") for r in root.iter(f"{{{NS['svg']}}}rect") if r.get("stroke")]
    assert rings == ["#440154", ColourScale("").colour(1 / 3), ColourScale("").colour(2 / 3)]
    legend = root.find("svg:g[@class='legend']", NS)
    assert legend is not None and _texts(legend, "legend-title") == ["bw ratio"]
    assert legend.find(".//svg:linearGradient", NS) is not None
    assert "not measured" not in _texts(legend, "tick")


def test_scatter_legend_names_units_without_the_score() -> None:
    legend = _scatter(_points(scored=False)).find("svg:g[@class='legend']", NS)
    assert legend is not None and "not measured" in _texts(legend, "tick")


def test_scatter_without_colours_has_no_legend() -> None:
    assert _scatter(_points(), colours=None).find("svg:g[@class='legend']", NS) is None


def test_scatter_keeps_every_point_inside_its_axes() -> None:
    points = [Point(float(i % 37) - 18, float(i % 23) * 0.01, f"u{i}", image="/a.png") for i in range(1024)]
    root = _scatter(points)
    width, height = float(root.get("width")), float(root.get("height"))
    images = list(root.iter(f"{{{NS['svg']}}}image"))
    assert len(images) == 1024 and float(images[0].get("width")) == thumb_size(1024)
    assert all(float(i.get("x")) >= 0 and float(i.get("x")) + float(i.get("width")) <= width for i in images)
    assert all(float(i.get("y")) >= 0 and float(i.get("y")) + float(i.get("height")) <= height for i in images)


def test_plot_text_is_escaped() -> None:
    markup = scatter_svg(
        [Point(0.0, 1.0, EVIL, href='/u?a=1&b="2"', image="/a.png", value=0.5)],
        label=EVIL,
        x_title=EVIL,
        y_title="y",
        colours=ColourScale(EVIL),
    )
    assert "<script" not in markup
    root = _parse(markup)
    assert root.get("aria-label") == EVIL and root.find("svg:title", NS).text == EVIL
    assert root.find(".//svg:a", NS).get("href") == '/u?a=1&b="2"'
    assert EVIL in _texts(root, "axis-title") and EVIL in _texts(root, "legend-title")
    bars = share_bars_svg([0.6, 0.4], label=EVIL, x_title=EVIL, y_title=EVIL, bar_title=EVIL, names=[EVIL, "2"])
    assert "<script" not in bars and _parse(bars).get("aria-label") == EVIL


@pytest.mark.parametrize("colours", [ColourScale("bw"), None])
def test_plots_use_no_inline_styles(colours: ColourScale | None) -> None:
    scatter = scatter_svg(_points(), label="s", x_title="x", y_title="y", colours=colours)
    bars = share_bars_svg([0.5, 0.5], label="b", x_title="x", y_title="y", bar_title="b", running=[0.5, 1.0])
    for markup in (scatter, bars):
        assert all(element.get("style") is None for element in _parse(markup).iter())


def test_share_bars_draw_one_bar_per_share_in_proportion() -> None:
    root = _parse(
        share_bars_svg(
            [0.6, 0.3, 0.1],
            label="variance",
            x_title="component",
            y_title="share",
            bar_title="of variance",
            running=[0.6, 0.9, 1.0],
            line_title="cumulative",
        )
    )
    bars = [r for r in root.iter(f"{{{NS['svg']}}}rect") if r.get("class") == "bar"]
    heights = [float(b.get("height")) for b in bars]
    assert len(bars) == 3 and heights[0] == pytest.approx(2 * heights[1], rel=0.01)
    assert [b.find("svg:title", NS).text for b in bars][0] == "1: 60.0% of variance"
    assert _texts(root, "axis-title") == ["share", "component"]
    assert "100%" in _texts(root, "tick") and "0%" in _texts(root, "tick")
    assert _texts(root, "tick")[-3:] == ["1", "2", "3"]  # the x axis names each bar
    assert root.find(".//svg:polyline", NS) is not None  # the running total
    legend = root.find("svg:g[@class='legend']", NS)
    assert legend is not None and {t.text for t in legend.iter(f"{{{NS['svg']}}}text")} == {"of variance", "cumulative"}


def test_many_bars_label_every_few() -> None:
    root = _parse(share_bars_svg([1 / 100] * 100, label="b", x_title="x", y_title="y", bar_title="b"))
    x_labels = [t for t in _texts(root, "tick") if not t.endswith("%")]
    assert x_labels[:3] == ["1", "6", "11"] and len(x_labels) == 20


def test_ticks_are_round_numbers_covering_the_data() -> None:
    low, high, ticks = nice_domain(-0.53, 0.71)
    assert low <= -0.53 and high >= 0.71 and ticks[0] == low and ticks[-1] == high
    assert [tick_text(t, ticks) for t in ticks] == ["−0.75", "−0.50", "−0.25", "0.00", "0.25", "0.50", "0.75"]
    assert [tick_text(t, [0, 0.25], percent=True) for t in (0, 0.25, 1)] == ["0%", "25%", "100%"]
    assert nice_domain(3.0, 3.0)[:2] == (2.4, 3.6)  # one value still gets a domain


def test_scales_map_data_to_pixels_and_colours_clip() -> None:
    y = Scale(0.0, 1.0, 200.0, 10.0)
    assert (y(0.0), y(1.0), y(0.5)) == (200.0, 10.0, 105.0)
    scale = ColourScale("s", 0.0, 1.0)
    assert scale.colour(-1.0) == scale.colour(0.0) == "#440154" and scale.colour(2.0) == "#fde725"
