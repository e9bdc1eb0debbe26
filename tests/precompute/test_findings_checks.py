"""The measurements behind findings on constructed inputs whose verdict is known."""

from __future__ import annotations

import numpy as np
import pytest

from precompute import findings_checks as c


def test_weights_equal_to_cos_delta_theta_correlate_at_r_1() -> None:
    later, earlier = np.arange(0.0, 360.0, 45.0), np.arange(0.0, 360.0, 30.0)
    weights = np.cos(np.deg2rad(later[:, None] - earlier[None, :]))
    r, points = c.equivariance(weights, later, earlier)
    assert r == pytest.approx(1.0) and points.shape == (len(later) * len(earlier), 2)
    assert np.all((points[:, 0] >= -180) & (points[:, 0] < 180))


def test_weights_unrelated_to_orientation_do_not_pass() -> None:
    later, earlier = np.arange(0.0, 360.0, 45.0), np.arange(0.0, 360.0, 30.0)
    weights = np.random.default_rng(0).normal(size=(len(later), len(earlier)))
    r, _ = c.equivariance(weights, later, earlier)
    assert r is not None and r < c.MIN_EQUIVARIANCE_R


def test_binned_means_peak_at_zero_difference_for_cosine_weights() -> None:
    later, earlier = np.arange(0.0, 360.0, 15.0), np.arange(0.0, 360.0, 15.0)
    _, points = c.equivariance(np.cos(np.deg2rad(later[:, None] - earlier[None, :])), later, earlier)
    bins = c.binned_means(points)
    assert len(bins) == 12 and sum(b["count"] for b in bins) == len(points)
    best = max(bins, key=lambda b: b["mean"])
    assert best["from"] <= 0 < best["to"] or best["to"] == 0


def test_an_orientation_that_holds_in_three_of_four_renderings_is_stable() -> None:
    assert c.stable_orientation(np.array([40.0, 45.0, 50.0, 220.0])) == pytest.approx(45.0, abs=1)
    assert c.stable_orientation(np.array([350.0, 5.0, 10.0, np.nan])) == pytest.approx(1.7, abs=1)


def test_an_orientation_that_moves_between_renderings_is_not_stable() -> None:
    assert c.stable_orientation(np.array([0.0, 90.0, 180.0, 270.0])) is None
    assert c.stable_orientation(np.array([0.0, 60.0, np.nan, np.nan])) is None


def test_a_layer_needs_enough_units_spread_round_the_circle() -> None:
    assert c.curve_layer_passes([float(a) for a in range(0, 360, 30)])
    assert not c.curve_layer_passes([float(a) for a in range(0, 180, 15)])  # 12 units on half the circle
    assert not c.curve_layer_passes([float(a) for a in range(0, 360, 60)])  # six units


def test_loadings_equal_to_bw_ratio_correlate_at_1() -> None:
    bw = {u: u / 10 for u in range(10)}
    loadings = np.stack([np.arange(10.0), np.ones(10), -np.arange(10.0)], axis=1)
    assert c.loading_correlations(loadings, bw) == [pytest.approx(1.0), None, pytest.approx(-1.0)]


def test_branch_shares_and_colour_enrichment() -> None:
    branches = {u: "a" if u < 4 else "b" for u in range(8)}
    assert c.branch_shares([0, 1, 2, 5], branches) == {"a": 0.75, "b": 0.25}
    bw = {u: 0.1 if u in (4, 5) else 0.9 for u in range(8)}  # both colour units in branch b
    assert c.colour_enrichment(branches, bw) == {"a": -0.25, "b": 0.25}


def test_rotated_copies_among_the_strongest_inputs() -> None:
    row = np.array([0.9, 0.8, 0.7, -1.0, 0.1])
    inputs = c.strongest_inputs(row, count=4)
    assert inputs == [0, 1, 2, 4]
    copies, covers = c.rotated_copies(inputs, {0: 0.0, 1: 120.0, 2: 240.0})
    assert copies == [0, 1, 2] and covers == 240.0
