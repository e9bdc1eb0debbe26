"""Polar sparklines of orientation tuning curves: lobes point the preferred way, responses scale to the outer ring."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.plots.sparkline_polar import PAD, SIZE, closes, normalized, point, polar_sparkline

ANGLES = [float(a) for a in range(0, 360, 30)]
NS = {"svg": "http://www.w3.org/2000/svg"}


def _points(svg: str) -> list[tuple[float, float]]:
    path = ET.fromstring(svg).find("svg:path[@class='curve']", NS)
    assert path is not None
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", path.get("d", ""))]


def test_angles_turn_counter_clockwise_from_pointing_right() -> None:
    assert point(10, 10, 5, 0) == pytest.approx((15, 10))
    assert point(10, 10, 5, 90) == pytest.approx((10, 5))  # up: SVG's y runs down
    assert point(10, 10, 5, 180) == pytest.approx((5, 10))


def test_responses_are_shares_of_the_largest_with_negatives_as_zero() -> None:
    assert normalized([2.0, -1.0, 1.0, float("nan")]) == [1.0, 0.0, 0.5, 0.0]
    assert normalized([-1.0, 0.0]) == [0.0, 0.0]


def test_a_full_circle_of_samples_closes_and_half_of_one_does_not() -> None:
    assert closes(ANGLES) and not closes([0.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0])


def test_the_lobe_reaches_the_outer_ring_at_the_peak_orientation() -> None:
    values = [1.0 if a == 90 else 0.1 for a in ANGLES]
    svg = str(polar_sparkline(ANGLES, values, label="u:1", preferred=90.0))
    points = _points(svg)
    c, outer = SIZE / 2, SIZE / 2 - PAD
    assert points[3] == pytest.approx((c, c - outer), abs=0.06) and len(points) == 12
    assert ' Z"' in svg and 'class="preferred"' in svg and 'aria-label="u:1"' in svg


def test_a_curve_without_response_draws_only_the_frame() -> None:
    svg = str(polar_sparkline(ANGLES, [0.0] * 12, label="silent"))
    assert 'class="curve"' not in svg and 'class="preferred"' not in svg and 'class="ring"' in svg


def test_one_value_per_angle_is_required() -> None:
    with pytest.raises(ValueError, match="12 angles, 2 values"):
        polar_sparkline(ANGLES, [1.0, 2.0], label="bad")


def test_labels_are_escaped() -> None:
    assert "<script>" not in str(polar_sparkline(ANGLES, [1.0] * 12, label="<script>"))
