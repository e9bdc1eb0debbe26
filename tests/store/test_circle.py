"""Statistics of angles: coverage of the circle (the widest gap between neighbouring angles, and 360° − it), and the
circular mean, median and spread, each against an independent computation."""

from __future__ import annotations

import math
import statistics

import pytest

from store.circle import arc, circular_mean, circular_median, circular_spread, coverage


def test_evenly_spread_angles_cover_all_but_one_step() -> None:
    found = coverage([float(a) for a in range(0, 360, 30)])
    assert found.count == 12 and found.largest_gap == 30.0 and found.covers == 330.0


def test_the_widest_gap_may_run_across_360_degrees() -> None:
    found = coverage([350.0, 10.0, 100.0])
    assert (found.gap_from, found.gap_to, found.largest_gap) == (100.0, 350.0, 250.0)
    assert found.covers == pytest.approx(110.0)


def test_one_angle_covers_nothing_and_no_angle_has_no_coverage() -> None:
    assert coverage([45.0]).covers == 0.0
    assert coverage([]).covers is None and coverage([]).count == 0


@pytest.mark.parametrize(
    "angles", [[350.0, 10.0], [10.0, 20.0, 30.0, 300.0], [90.0, 100.0, 260.0], [5.0], [359.0, 1.0]]
)
def test_the_circular_mean_is_the_direction_closest_to_every_angle(angles: list[float]) -> None:
    # Independently: the direction (to a tenth of a degree) minimizing Σ (1 − cos(θ − a)), by brute force.
    grid = [d / 10 for d in range(3600)]
    best = min(grid, key=lambda d: sum(1 - math.cos(math.radians(d - a)) for a in angles))
    assert arc(circular_mean(angles), best) < 0.06  # type: ignore[arg-type]


def test_a_plain_average_is_not_the_circular_mean() -> None:
    assert circular_mean([350.0, 10.0]) == 0.0 and statistics.fmean([350.0, 10.0]) == 180.0


def test_angles_that_balance_out_have_no_mean_direction_or_spread() -> None:
    assert circular_mean([0.0, 180.0]) is None and circular_spread([0.0, 90.0, 180.0, 270.0]) is None
    assert circular_mean([]) is None and circular_median([]) is None and circular_spread([]) is None


def test_the_circular_spread_is_zero_for_equal_angles_and_grows_as_they_part() -> None:
    assert circular_spread([40.0, 40.0, 400.0]) == pytest.approx(0.0, abs=1e-6)
    # Two angles 2δ apart: R = cos δ, so the spread is √(−2 ln cos δ) in degrees.
    for delta in (5.0, 30.0, 60.0):
        expected = math.degrees(math.sqrt(-2 * math.log(math.cos(math.radians(delta)))))
        assert circular_spread([100.0 - delta, 100.0 + delta]) == pytest.approx(expected)
    assert circular_spread([0.0, 10.0]) < circular_spread([0.0, 60.0]) < circular_spread([0.0, 120.0])  # type: ignore[operator]


def test_the_circular_median_is_the_angle_with_the_least_summed_arc_to_the_others() -> None:
    assert circular_median([350.0, 10.0, 20.0]) == 10.0  # a plain median of 10, 20, 350 is 20
    assert circular_median([0.0, 100.0, 110.0, 120.0, 250.0]) == 110.0
    assert arc(350.0, 10.0) == 20.0 and arc(0.0, 180.0) == 180.0 and arc(-90.0, 270.0) == 0.0
