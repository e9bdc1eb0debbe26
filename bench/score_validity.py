"""Do the family scores mean what they say? Checked against the demo's ground truth: every image's stimulus class.

For each model, family (store.scores.FAMILY_SCORES) and layer: the share of the family's top 16 members by score
(all of them when fewer) whose top dataset examples belong to the family (store.scores.class_share and belongs: at
least half of a unit's top 16 examples are of the family's classes, store.scores.FAMILY_CLASSES). Beside it, the
same share for the old ranking (the top 16 units by score alone, no gate) and for the stimulus half of the gate alone
(the top 16 by score of the units whose family stimulus response is at least half their dataset peak, labels
unused: what the gate does on a store without the demo's labels). Members are the units that passed the
family's gate at precompute time (store.schema.ScoreEvidence.passes). Exits 1 when a layer with members falls below
0.95, 2 when the store's images carry none of the demo's labels (nothing to check against).

    python bench/score_validity.py --store var/demo
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import schema as t
from store.reader import StoreReader
from store.scores import FAMILY_SCORES, PEAK_SHARE, belongs, class_share, demo_labelled

TOP = 16  # the family's units checked per layer
THRESHOLD = 0.95  # the share every layer with members must reach

Key = tuple[str, str, int]  # (model, layer, unit)


@dataclass(frozen=True)
class Row:
    """One family in one layer: how many units it ranks, and the share of them that belong, gated and not."""

    model: str
    family: str
    layer: str
    members: int
    gated_share: float | None  # None: no member
    old_share: float
    stimulus_share: float | None = None  # the top 16 by score of the units passing the stimulus half of the gate


def belonging_share(units: Sequence[Sequence[str | None]], family: str) -> float | None:
    """The share of `units` (each its top-example labels, best first) whose top examples belong to `family`."""
    if not units:
        return None
    return sum(belongs(class_share(list(labels), family)) for labels in units) / len(units)


def read_labels(reader: StoreReader) -> dict[Key, list[str | None]]:
    """Every unit's top-example labels, best first."""
    query = (
        select(t.Layer.model_id, t.Layer.name, t.Unit.unit, t.DatasetImage.label)
        .select_from(t.DatasetExample)
        .join(t.Unit, t.Unit.id == t.DatasetExample.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .join(t.DatasetImage, t.DatasetImage.id == t.DatasetExample.image_id)
        .order_by(t.Unit.id, t.DatasetExample.rank)
    )
    found: dict[Key, list[str | None]] = defaultdict(list)
    with Session(reader.engine) as session:
        for model, layer, unit, label in session.execute(query):
            found[(model, layer, unit)].append(label)
    return found


def ranked(reader: StoreReader, family: str, gate: str = "") -> dict[tuple[str, str], list[int]]:
    """Per (model, layer), its units by the family's score, highest first: every scored unit (`gate` ""), only
    members ("members"), or only those passing the stimulus half of the gate, without the labels ("stimulus")."""
    query = (
        select(t.Layer.model_id, t.Layer.name, t.Unit.unit)
        .select_from(t.UnitScore)
        .join(t.Unit, t.Unit.id == t.UnitScore.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .where(t.UnitScore.score == FAMILY_SCORES[family].name)
        .order_by(t.Layer.model_id, t.Layer.position, t.UnitScore.value.desc(), t.Unit.unit)
    )
    if gate == "members":
        query = query.where(reader.passed(family))
    elif gate == "stimulus":
        e = t.ScoreEvidence
        strong = e.stimulus - e.blank >= PEAK_SHARE * (e.dataset_peak - e.blank)
        query = query.join(e, (e.unit_id == t.Unit.id) & (e.family == family)).where(strong)
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    with Session(reader.engine) as session:
        for model, layer, unit in session.execute(query):
            found[(model, layer)].append(unit)
    return found


def measure(reader: StoreReader, labels: Mapping[Key, list[str | None]]) -> list[Row]:
    """Every family's row in every layer that holds its score."""
    rows = []
    for family in FAMILY_SCORES:
        members, strong = ranked(reader, family, "members"), ranked(reader, family, "stimulus")
        for (model, layer), units in ranked(reader, family).items():
            shares = [
                belonging_share([labels.get((model, layer, u), []) for u in found[:TOP]], family)
                for found in (units, members.get((model, layer), []), strong.get((model, layer), []))
            ]
            count = len(members.get((model, layer), []))
            rows.append(Row(model, family, layer, count, shares[1], shares[0] or 0.0, shares[2]))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a text table."""
    lines = [f"{'model':<16} {'family':<10} {'layer':<12} {'members':>7} {'gated':>6} {'old':>6} {'stimulus':>8}"]
    for r in rows:
        gated = "-" if r.gated_share is None else f"{r.gated_share:.2f}"
        strong = "-" if r.stimulus_share is None else f"{r.stimulus_share:.2f}"
        row = f"{r.model:<16} {r.family:<10} {r.layer:<12} {r.members:>7} {gated:>6} {r.old_share:>6.2f} {strong:>8}"
        lines.append(row)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; 1 when a layer with members is below THRESHOLD, 2 when there is nothing to check against."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="var/demo", help="the store folder (default: var/demo)")
    args = parser.parse_args(argv)
    reader = StoreReader(args.store)
    labels = read_labels(reader)
    if not demo_labelled(label for found in labels.values() for label in found):
        print("the store's dataset images carry none of the demo's labels: nothing to check the families against")
        return 2
    if not reader.keeps_evidence:
        print("the store's format keeps no family evidence (older than 0008): showing the old ranking only")
    rows = measure(reader, labels)
    print(table(rows))
    failing = [r for r in rows if r.gated_share is not None and r.gated_share < THRESHOLD]
    print(
        f"min_gated_share={min((r.gated_share for r in rows if r.gated_share is not None), default=float('nan')):.2f}"
    )
    return 1 if failing or not reader.keeps_evidence else 0


if __name__ == "__main__":
    sys.exit(main())
