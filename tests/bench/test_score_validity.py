"""bench/score_validity.py's share: the units of a family whose top examples belong to it, by the gate's definition."""

from __future__ import annotations

from bench.score_validity import belonging_share


def test_the_share_counts_units_whose_top_examples_are_mostly_the_familys_classes() -> None:
    units = [["curve_e"] * 9 + ["corner"] * 7, ["corner"] * 16, ["curve_e", "line"], ["line"] * 16]
    assert belonging_share(units, "curves") == 0.5  # the first and the third (half of two)
    assert belonging_share(units, "lines") == 0.5
    assert belonging_share([], "colour") is None
