"""The weights-by-orientation-difference figure: a bar per bin of Δθ, and on a circuit page a dot per pair of units."""

from __future__ import annotations

import re

from app.plots.weights_by_angle import weights_by_angle_svg

BINS = [
    {"from": -30.0, "to": 0.0, "mean": 0.5, "count": 2},
    {"from": 0.0, "to": 30.0, "mean": None, "count": 0},
    {"from": 30.0, "to": 60.0, "mean": -0.25, "count": 1},
]


def test_each_bin_with_pairs_is_a_bar_and_an_empty_bin_draws_none() -> None:
    svg = str(weights_by_angle_svg(BINS, label="weights"))
    assert svg.count('class="bar"') == 2 and "fill-opacity" not in svg and 'class="dot"' not in svg
    assert "<title>Δθ -30° to 0°: mean weight 0.5 over 2 pairs</title>" in svg


def test_each_pair_of_units_is_a_dot_at_its_angle_difference_and_summed_weight() -> None:
    points = [(-15.0, 0.75, "a:1 → b:2"), (45.0, -0.5, "a:3 → b:2")]
    svg = str(weights_by_angle_svg(BINS, label="weights", points=points))
    dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*class="dot"><title>([^<]+)</title>', svg)
    assert [title for *_, title in dots] == [
        "a:1 → b:2: Δθ -15°, summed weight 0.75",
        "a:3 → b:2: Δθ 45°, summed weight -0.5",
    ]
    (x1, y1, _), (x2, y2, _) = dots
    assert float(x1) < float(x2) and float(y1) < float(y2)  # later on x, lower on y (SVG's y grows downwards)
    assert svg.count('fill-opacity="0.45"') == 2  # the bars stay behind the dots
