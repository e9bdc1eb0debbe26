"""The family gate: a unit joins a family only when its family stimulus response is a real share of its dataset peak
and, on the demo's labelled images, its top examples are of the family's classes."""

from __future__ import annotations

import numpy as np

from precompute.evidence import layer_evidence, unit_evidence
from store.scores import belongs, class_share, passes_gate

CURVES = [(4.0, "curve_e")] * 12 + [(3.0, "corner")] * 4  # a unit's top 16 examples: mostly curves


def _arrays(curve_peaks: list[float], line_peaks: list[float]) -> dict[str, np.ndarray]:
    """Tuning arrays of len(curve_peaks) units with the given best curve and best line responses."""
    units = len(curve_peaks)
    curvature = np.zeros((units, 3, 24))
    curvature[:, 1, 5] = curve_peaks
    line = np.zeros((units, 24))
    line[:, 3] = line_peaks
    zero = np.zeros((units, 24))
    return {
        "curvature": curvature,
        "line": line,
        "edge": zero,
        "hue": zero,
        "frequency": np.zeros((units, 4, 12)),
        "blank": np.full(units, 0.1),
    }


def test_a_unit_with_a_high_ratio_but_a_tiny_absolute_response_is_out() -> None:
    # unit 0: curve 0.2, line 0 (curve score 1.0) but its dataset peak is 4.0; unit 1: curve 3.0 of 4.0
    found = layer_evidence(_arrays([0.2, 3.0], [0.0, 0.0]), {0: CURVES, 1: CURVES}, labelled=True)
    curves = {r.unit: r for r in found if r.family == "curves"}
    assert curves[0].passes is False and curves[0].stimulus == 0.2 and curves[0].dataset_peak == 4.0
    assert curves[1].passes is True and curves[1].class_share == 0.75 and curves[1].blank == 0.1


def test_a_unit_whose_top_examples_are_another_class_is_out() -> None:
    colour_edges = [(4.0, "red_green")] * 16
    record = unit_evidence(0, "curves", 3.5, 0.0, colour_edges, labelled=True)
    assert record.class_share == 0.0 and record.passes is False


def test_without_demo_labels_the_stimulus_response_alone_decides() -> None:
    unlabelled = [(4.0, None)] * 16
    assert unit_evidence(0, "curves", 3.5, 0.0, unlabelled, labelled=False).passes is True
    assert unit_evidence(0, "curves", 1.0, 0.0, unlabelled, labelled=False).passes is False


def test_without_dataset_examples_membership_cannot_be_checked() -> None:
    record = unit_evidence(0, "lines", 3.5, 0.0, [], labelled=True)
    assert record.dataset_peak is None and record.passes is None


def test_belonging_is_at_least_half_of_the_top_sixteen_examples() -> None:
    labels = ["curve_e"] * 8 + ["line"] * 8 + ["line"] * 10  # only the first 16 count
    assert class_share(labels, "curves") == 0.5 and belongs(0.5) and not belongs(7 / 16) and not belongs(None)
    assert passes_gate(2.0, 0.0, 4.0, 0.5) is True and passes_gate(1.9, 0.0, 4.0, 1.0) is False
    assert passes_gate(2.0, 0.0, 0.0, 1.0) is None  # no dataset peak above the blank: nothing to compare with


def test_a_unit_idling_high_does_not_pass_on_its_idling() -> None:
    # blank 2.0, best curve 2.2, dataset peak 4.0: 0.2 above the blank against a peak 2.0 above it
    assert passes_gate(2.2, 2.0, 4.0, 1.0) is False and passes_gate(3.0, 2.0, 4.0, 1.0) is True
