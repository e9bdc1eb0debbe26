"""Each finding on constructed evidence whose verdict is known: the numbers it reports and the verdict they give."""

from __future__ import annotations

import numpy as np
import pytest

from precompute import findings_checks as c
from precompute.findings_colour import branch_specialization, centre_surround, colour_vs_bw
from precompute.findings_measure import (
    FAILED,
    NOT_MEASURABLE,
    PASSED,
    Evidence,
    curve_class_units,
    curve_detectors,
    equivariant_weights,
    selective_units,
)
from store.records import AssetRef, LayerView, SvdRecord, WeightsView

ANGLES_12 = [float(a) for a in range(0, 360, 30)]


def _layer(name: str, position: int, previous: str | None) -> LayerView:
    return LayerView(name, position, "conv", 12, 4, 4, 9, 2.0, previous)


def _weights(layer: str, source: str, tensor: np.ndarray, svd: SvdRecord | None = None) -> WeightsView:
    svd = svd or SvdRecord([1.0], [[0.0]] * tensor.shape[0], [[0.0]] * tensor.shape[1])
    shape = tuple(tensor.shape)
    return WeightsView(layer, source, "direct", shape, "float16", "npy", AssetRef("0" * 64, "npy"), 0, 1.0, svd)  # type: ignore[arg-type]


def _evidence(tensor: np.ndarray, **parts: object) -> Evidence:
    layers = [_layer("a", 0, None), _layer("b", 1, "a")]
    weights = {"b": _weights("b", "a", tensor)}
    labels = {name: {u: ["curve_e"] * 4 for u in range(12)} for name in ("a", "b")}
    evidence = Evidence(layers, labels, {}, {}, weights, lambda view: tensor, **parts)  # type: ignore[arg-type]
    evidence.curve_class = curve_class_units(evidence)
    return evidence


def _cosine_tensor() -> np.ndarray:
    delta = np.deg2rad(np.subtract.outer(ANGLES_12, ANGLES_12))
    return np.repeat(np.cos(delta)[:, :, None, None] / 4, 4, axis=3).reshape(12, 12, 2, 2)


def test_twelve_curve_units_round_the_circle_pass_and_six_do_not() -> None:
    evidence = _evidence(_cosine_tensor(), curve_units={"b": dict(enumerate(ANGLES_12))})
    found = curve_detectors(evidence, "m")
    assert found["verdict"] == PASSED and found["numbers"]["units"] == 12 and found["numbers"]["covers"] == 330.0
    evidence.curve_units = {"b": dict(enumerate(ANGLES_12[::2]))}
    assert curve_detectors(evidence, "m")["verdict"] == FAILED


def test_curve_detectors_are_not_measurable_without_curve_labels() -> None:
    evidence = _evidence(_cosine_tensor())
    evidence.labels = {"a": {0: ["red", "blue"]}}
    found = curve_detectors(evidence, "m")
    assert found["verdict"] == NOT_MEASURABLE and "curve" in found["reason"]


def test_only_curve_class_units_that_prefer_an_orientation_are_curve_detector_candidates() -> None:
    evidence = _evidence(_cosine_tensor())
    evidence.scores = {"b": {"orientation_selectivity": {0: c.MIN_SELECTIVITY, 1: c.MIN_SELECTIVITY - 0.01, 2: 0.9}}}
    evidence.labels["b"][2] = ["line"] * 4  # selective, but its top examples are not curves
    evidence.curve_class = curve_class_units(evidence)
    assert selective_units(evidence) == {"b": [0]}  # layer a has no selectivity scores: none of its units


def test_weights_equal_to_cos_delta_theta_pass_with_r_1_and_a_plot_peaking_at_zero() -> None:
    units = dict(enumerate(ANGLES_12))
    found = equivariant_weights(_evidence(_cosine_tensor(), curve_units={"a": units, "b": units}))
    assert found["verdict"] == PASSED and found["numbers"]["r"] == 1.0
    best = max(found["plot"]["bins"], key=lambda b: b["mean"])
    assert best["from"] == 0.0 and sum(b["count"] for b in found["plot"]["bins"]) == 144


def test_the_plot_keeps_each_pair_as_a_dot_naming_its_units_when_they_are_few() -> None:
    units = dict(enumerate(ANGLES_12))
    found = equivariant_weights(_evidence(_cosine_tensor(), curve_units={"a": units, "b": units}))
    points = found["plot"]["points"]
    assert len(points) == 144 and len({name for _, _, name in points}) == 144
    by_name = {name: (delta, weight) for delta, weight, name in points}
    assert by_name["a:0 → b:1"] == (30.0, pytest.approx(np.cos(np.deg2rad(30.0)), abs=1e-4))  # b:1 prefers 30°
    assert by_name["a:1 → b:0"] == (-30.0, pytest.approx(np.cos(np.deg2rad(30.0)), abs=1e-4))
    assert by_name["a:0 → b:6"] == (-180.0, pytest.approx(-1.0, abs=1e-4))  # Δθ wraps to [−180, 180)


def test_the_plot_of_too_many_pairs_keeps_its_bars_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c, "MAX_PLOT_PAIRS", 143)
    units = dict(enumerate(ANGLES_12))
    found = equivariant_weights(_evidence(_cosine_tensor(), curve_units={"a": units, "b": units}))
    assert "points" not in found["plot"] and sum(b["count"] for b in found["plot"]["bins"]) == 144


def test_equivariance_with_too_few_curve_units_fails_and_says_so() -> None:
    found = equivariant_weights(_evidence(_cosine_tensor(), curve_units={"a": {0: 0.0}, "b": {0: 0.0}}))
    assert found["verdict"] == FAILED and found["numbers"]["r"] is None and "3 curve units" in found["reason"]


def test_colour_units_and_an_svd_component_sorting_them_pass() -> None:
    tensor = _cosine_tensor()
    bw = {u: 0.1 if u < 3 else 0.9 for u in range(12)}
    loadings = [[bw[u], 0.0, 0.5] for u in range(12)]
    evidence = _evidence(tensor)
    evidence.weights["b"] = _weights("b", "a", tensor, SvdRecord([1.0, 0.5, 0.1], loadings, loadings))
    evidence.scores = {"a": {"bw_ratio": bw}, "b": {"bw_ratio": bw}}
    found = colour_vs_bw(evidence)
    assert found["verdict"] == PASSED and found["numbers"]["colour_share"] == 0.25 and found["numbers"]["r"] == 1.0
    evidence.scores = {name: {"bw_ratio": {u: 0.9 for u in range(12)}} for name in ("a", "b")}
    assert colour_vs_bw(evidence)["verdict"] == FAILED


def test_a_branch_holding_the_curve_units_and_another_the_colour_units_pass() -> None:
    evidence = _evidence(_cosine_tensor(), curve_units={"b": {u: 30.0 * u for u in range(4)}})
    evidence.branches = {"b": {u: "3x3" if u < 6 else "1x1" for u in range(12)}}
    evidence.scores = {"b": {"bw_ratio": {u: 0.1 if u >= 9 else 0.9 for u in range(12)}}}
    found = branch_specialization(evidence)
    assert found["verdict"] == PASSED and found["numbers"]["top_branch"] == "3x3"
    assert found["numbers"]["top_share"] == 1.0 and found["numbers"]["colour_branch"] == "1x1"
    evidence.branches = {}
    assert branch_specialization(evidence)["verdict"] == NOT_MEASURABLE


def test_a_rotation_invariant_unit_fed_by_rotated_colour_contrast_units_is_reported() -> None:
    tensor = np.zeros((12, 12, 1, 1))
    tensor[0, :4, 0, 0] = 1.0  # b:0 reads a:0…3, colour units turned by 90° each
    evidence = _evidence(tensor)
    evidence.scores = {
        "a": {
            "bw_ratio": {u: 0.1 for u in range(12)},
            "orientation_selectivity": {u: 0.6 for u in range(12)},
            "orientation": {u: 90.0 * u for u in range(12)},
        },
        "b": {"orientation_selectivity": {0: 0.05, **{u: 0.9 for u in range(1, 12)}}},
    }
    found = centre_surround(evidence)
    assert found["verdict"] == PASSED and not found["required"]
    assert (found["numbers"]["unit"], found["numbers"]["copies"]) == (0, 4) and found["numbers"][
        "covers"
    ] >= c.MIN_COPIES_COVERAGE
