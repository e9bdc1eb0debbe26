"""Histogram SVGs: well-formed, bars to scale and stacked, axes with ticks and titles, a legend for several series,
text escaped and no inline styles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.plots.histogram import PALETTE, Series, histogram_svg, nice_step

SVG = "{http://www.w3.org/2000/svg}"
EDGES = [0.0, 0.25, 0.5, 0.75, 1.0]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == cls]


def _bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("bar ")]


def test_a_histogram_is_well_formed_svg_with_title_axis_titles_and_ticks() -> None:
    root = _parse(histogram_svg(EDGES, [Series("all", [1, 0, 3, 7])], title="Scores", x_title="black & white"))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label") == "Scores"
    assert _texts(root, "plot-title") == ["Scores"]
    assert _texts(root, "axis-title") == ["units", "black & white"]
    ticks = _texts(root, "tick")
    assert ticks[:5] == ["0", "2", "4", "6", "8"]  # counts up to 7: whole steps of 2, one above the top
    assert {"0", "0.25", "0.5", "0.75", "1"} <= set(ticks[5:])  # every bin edge labelled (5 ≤ MAX_X_LABELS)


def test_bars_are_one_per_nonempty_bin_with_heights_in_proportion() -> None:
    root = _parse(histogram_svg(EDGES, [Series("all", [1, 0, 3, 4])], title="t", x_title="x"))
    bars = _bars(root)
    assert len(bars) == 3
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == pytest.approx(3 * heights[0]) and heights[2] == pytest.approx(4 * heights[0])
    assert [b.find(f"{SVG}title").text for b in bars] == ["0–0.25: 1 unit", "0.5–0.75: 3 units", "0.75–1: 4 units"]
    xs = [float(b.get("x")) for b in bars]
    assert xs == sorted(xs)


def test_several_series_stack_in_order_and_are_named_in_a_legend() -> None:
    series = [Series("mixed4b_1x1", [2, 0, 0, 1]), Series("mixed4b_5x5", [1, 0, 0, 0])]
    root = _parse(histogram_svg(EDGES, series, title="t", x_title="x"))
    first, top, _ = _bars(root)  # bin 0 bottom to top, then bin 3
    assert float(top.get("y")) + float(top.get("height")) == pytest.approx(float(first.get("y")))  # sits on it
    assert (first.get("fill"), top.get("fill")) == (PALETTE[0], PALETTE[1])
    assert "(mixed4b_5x5)" in top.find(f"{SVG}title").text
    assert _texts(root, "legend") == ["mixed4b_1x1", "mixed4b_5x5"]


def test_one_series_has_no_legend_and_may_take_another_plots_colour() -> None:
    root = _parse(histogram_svg(EDGES, [Series("b", [1, 1, 1, 1], colour=2)], title="t", x_title="x"))
    assert _texts(root, "legend") == []
    assert {b.get("fill") for b in _bars(root)} == {PALETTE[2]}
    assert all("series-2" in b.get("class") for b in _bars(root))


def test_long_legend_names_are_cut_and_kept_whole_in_a_tooltip() -> None:
    name = "a_very_long_branch_name_that_would_not_fit_beside_the_plot"
    root = _parse(histogram_svg(EDGES, [Series(name, [1, 0, 0, 0]), Series("b", [0, 1, 0, 0])], title="t", x_title="x"))
    shown = _texts(root, "legend")[0]
    assert shown.endswith("…") and name.startswith(shown[:-1])
    swatch = next(r for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("swatch"))
    assert swatch.find(f"{SVG}title").text == name


def test_text_is_escaped_and_nothing_is_styled_inline() -> None:
    svg = str(histogram_svg(EDGES, [Series("<b>x</b>", [1, 0, 0, 0])] * 2, title='<script>"', x_title="a & b"))
    root = _parse(svg)
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert " style=" not in svg


def test_an_empty_histogram_draws_its_axes_and_no_bars() -> None:
    root = _parse(histogram_svg(EDGES, [Series("none", [0, 0, 0, 0])], title="t", x_title="x"))
    assert _bars(root) == [] and _texts(root, "tick")[:2] == ["0", "1"]


def test_counts_that_do_not_match_the_bins_raise_naming_both() -> None:
    with pytest.raises(ValueError, match="4 bins, got \\[3\\]"):
        histogram_svg(EDGES, [Series("a", [1, 2, 3])], title="t", x_title="x")


@pytest.mark.parametrize(("maximum", "step"), [(0, 1), (3, 1), (7, 2), (10, 5), (48, 20), (224, 100)])
def test_nice_step_is_one_two_or_five_times_a_power_of_ten(maximum: int, step: int) -> None:
    assert nice_step(maximum) == step
