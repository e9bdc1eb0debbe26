"""Coverage of the circle: the widest gap between neighbouring angles, and 360° − it."""

from __future__ import annotations

import pytest

from store.circle import coverage


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
