"""A unit's evidence line: what its scores can be checked against, in absolute numbers.

The classes of its top dataset examples (where the images carry labels), its best response to any tuning stimulus and
the activation its channel visualization reaches, each against its dataset peak (its highest activation over the
dataset images), and per family the numbers its membership rests on (store.schema.ScoreEvidence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from app.units.schemas import EvidencePublic, FamilyEvidencePublic
from store.kinds import CHANNEL, VisKey
from store.records import EvidenceRecord, UnitDetail
from store.scores import FAMILY_SCORES, TOP_EXAMPLES


def top_classes(labels: Iterable[str | None]) -> dict[str, int]:
    """The labels of the first TOP_EXAMPLES examples with their counts, most first (ties: by name)."""
    counts = Counter(label for label in list(labels)[:TOP_EXAMPLES] if label)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _flat(values: Any) -> list[float]:
    return [v for item in values for v in _flat(item)] if isinstance(values, list) else [float(values)]


def best_stimulus(detail: UnitDetail) -> float | None:
    """The unit's best raw activation to any tuning stimulus (the maximum of its stored curves), or None."""
    found = [v for curve in detail.curves for v in _flat(curve.values)]
    return max(found) if found else None


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when either is missing or the whole is not positive."""
    return part / whole if part is not None and whole is not None and whole > 0 else None


def family_evidence(record: EvidenceRecord) -> FamilyEvidencePublic:
    """One family's evidence as the JSON gives it."""
    return FamilyEvidencePublic(
        family=record.family,
        score=FAMILY_SCORES[record.family].name,
        stimulus=record.stimulus,
        blank=record.blank,
        dataset_peak=record.dataset_peak,
        stimulus_share=ratio(record.stimulus, record.dataset_peak),
        class_share=record.class_share,
        passes=record.passes,
    )


def evidence_text(found: EvidencePublic) -> str:
    """The evidence line: "top 16 examples: 12 curve, 4 circle · best stimulus 0.8× the dataset peak 3.1 · …"."""
    parts = []
    if found.top_classes:
        count = sum(found.top_classes.values())
        parts.append(f"top {count} examples: " + ", ".join(f"{n} {c}" for c, n in found.top_classes.items()))
    if found.dataset_peak is not None:
        parts.append(f"dataset peak {found.dataset_peak:.3g}")
    if found.stimulus_share is not None:
        blank = ratio(found.blank, found.dataset_peak)
        idle = f" (a blank image {blank:.2f}×)" if blank is not None else ""
        parts.append(f"best tuning stimulus {found.stimulus_share:.2f}× the dataset peak{idle}")
    if found.feature_vis_share is not None:
        parts.append(f"feature visualization {found.feature_vis_share:.2f}× the dataset peak")
    members = [f.family for f in found.families if f.passes]
    if found.families:
        parts.append("member of " + ", ".join(members) if members else "member of no family")
    return " · ".join(parts) or "no dataset examples or tuning curves stored"


def evidence_public(detail: UnitDetail) -> EvidencePublic:
    """The unit's evidence line with its numbers."""
    examples = sorted(detail.dataset_examples, key=lambda e: (-e.activation, e.rank))
    stored = detail.evidence[0].dataset_peak if detail.evidence else None  # measured by precompute, when kept
    peak = examples[0].activation if examples else stored
    best = best_stimulus(detail)
    channel = next((v for v in detail.feature_vis if v.key == VisKey(CHANNEL)), None)
    vis = channel.activation if channel is not None else None
    found = EvidencePublic(
        top_classes=top_classes(e.label for e in examples),
        dataset_peak=peak,
        best_stimulus=best,
        stimulus_share=ratio(best, peak),
        blank=detail.evidence[0].blank if detail.evidence else None,
        feature_vis_activation=vis,
        feature_vis_share=ratio(vis, peak),
        families=[family_evidence(r) for r in detail.evidence],
        text="",
    )
    return found.model_copy(update={"text": evidence_text(found)})
