"""Family membership: which units a family (store.scores.FAMILY_SCORES) may list, and the absolute numbers behind it.

A ratio score alone can read 1.0 for a unit that barely answers any stimulus. So each unit's evidence for each family
keeps its best raw response to the family's tuning stimuli, to the blank, its dataset peak (its top example's
activation: the highest over the dataset images) and, where the images carry the demo's labels, the share of its top
examples of the family's classes; store.scores.passes_gate decides from these whether it joins the family (stimulus
and peak each taken above the blank, so that a unit idling high does not pass on its idling).
Run by the tuning stage (its stored settings include the examples stage's, so new examples re-gate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from store.records import EvidenceRecord
from store.scores import FAMILY_SCORES, class_share, passes_gate

GATE_DEFINITION = "gate/2: stimulus − blank ≥ 0.5 (dataset peak − blank); ≥ half of top 16 examples of its classes"

Examples = Sequence[tuple[float, str | None]]  # a unit's top examples, best first: (activation, image label)


def family_stimulus(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{family: (units,)} each unit's best raw activation to the family's stimuli (precompute.tuning.curve_arrays)."""
    return {
        "curves": arrays["curvature"].max(axis=(1, 2)),
        "lines": np.maximum(arrays["line"].max(axis=1), arrays["edge"].max(axis=1)),
        "colour": arrays["hue"].max(axis=1),
        "frequency": arrays["frequency"].max(axis=(1, 2)),
    }


def unit_evidence(
    unit: int, family: str, stimulus: float, blank: float, examples: Examples, labelled: bool
) -> EvidenceRecord:
    """One unit's evidence for one family; `labelled`: whether the store's images carry the demo's labels."""
    peak = examples[0][0] if examples else None
    share = class_share([label for _, label in examples], family) if labelled and examples else None
    return EvidenceRecord(unit, family, stimulus, blank, peak, share, passes_gate(stimulus, blank, peak, share))


def layer_evidence(
    arrays: Mapping[str, np.ndarray], tops: Mapping[int, Examples], labelled: bool
) -> list[EvidenceRecord]:
    """Every unit's evidence for every family, from its tuning arrays and its stored top examples."""
    stimuli = family_stimulus(arrays)
    blank = arrays["blank"]
    return [
        unit_evidence(unit, family, float(stimuli[family][unit]), float(blank[unit]), tops.get(unit, ()), labelled)
        for family in FAMILY_SCORES
        for unit in range(len(blank))
    ]
