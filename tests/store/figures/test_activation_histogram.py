"""The activation histogram SVG: well-formed, log-scaled counts, quantile markers, escaped text, no inline style."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from store.figures.activation_histogram import activation_histogram_svg

SVG = "{http://www.w3.org/2000/svg}"
EDGES = [-1.0, 0.0, 1.0, 2.0, 3.0]


def _bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_counts_rise_on_a_log_scale_and_empty_bins_have_no_bar() -> None:
    root = ET.fromstring(activation_histogram_svg(EDGES, [1, 10, 0, 1000]))
    bars = _bars(root)
    assert len(bars) == 3
    bottom = float(bars[0].get("y")) + float(bars[0].get("height"))  # type: ignore[arg-type]
    heights = [float(b.get("height")) for b in bars]  # type: ignore[arg-type]
    # heights go as log10(count / 0.5): one image still shows, and each factor of ten adds the same height
    assert abs(heights[1] / heights[0] - math.log10(20) / math.log10(2)) < 0.02
    assert abs(heights[2] / heights[0] - math.log10(2000) / math.log10(2)) < 0.02
    assert all(abs(float(b.get("y")) + float(b.get("height")) - bottom) < 0.2 for b in bars)  # type: ignore[arg-type]


def test_the_count_axis_is_labelled_in_powers_of_ten() -> None:
    root = ET.fromstring(activation_histogram_svg(EDGES, [1, 10, 0, 1000]))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"1", "10", "100", "1,000"} <= set(texts) and "images (log scale)" in texts


def test_markers_are_dashed_lines_with_escaped_labels() -> None:
    svg = activation_histogram_svg(EDGES, [1, 2, 3, 4], markers=[("99%", 2.5), ("<b>", 0.5)])
    root = ET.fromstring(svg)
    markers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "marker"]
    assert len(markers) == 2 and "<b>" not in svg and "&lt;b&gt;" in svg
    assert all(line.get("stroke-dasharray") for m in markers for line in m.iter(f"{SVG}line"))
    assert "style=" not in svg
