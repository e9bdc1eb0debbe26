"""What a store measured about chosen units, for checking what tours claim about them (notes.claim_check).

For each layer asked about: every unit's branch, scores, top-dataset-example labels (counted) and peak activation;
for the chosen units, the peak of each tuning curve and whether each family's gate admits them. Six queries,
whatever the number of units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import schema as t
from store.reader import StoreReader
from store.scores import FAMILY_CLASSES, ORIENTED_SELECTIVITY


@dataclass
class UnitMeasures:
    """One unit's stored measurements: what its claims are checked against."""

    layer: str
    unit: int
    branch: str | None
    scores: dict[str, float] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)  # its top dataset examples, counted by image label
    examples: int = 0  # how many top dataset examples it has
    peak: float | None = None  # its top dataset example's activation
    curve_peaks: dict[str, float] = field(default_factory=dict)  # the best response of each tuning curve
    families: dict[str, bool | None] = field(default_factory=dict)  # whether the family gate admits it, by family


@dataclass
class ModelMeasures:
    """A model's units of the layers asked about, by (layer, unit), and every label of its dataset images."""

    units: dict[tuple[str, int], UnitMeasures]
    labels: tuple[str, ...]
    layers: tuple[str, ...]  # the model's layers in this store, in forward order
    # Names that stand for several labels: each family whose classes (store.scores.FAMILY_CLASSES) label images here.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    oriented: float = ORIENTED_SELECTIVITY  # the selectivity from which a preferred orientation counts for coverage


def _largest(values: Any) -> float | None:
    """The largest number in a nested list of numbers (None where it holds none)."""
    if isinstance(values, list):
        found = [v for v in map(_largest, values) if v is not None]
        return max(found) if found else None
    return float(values) if isinstance(values, int | float) else None


def _units(session: Session, model: str, layers: list[str]) -> dict[tuple[str, int], UnitMeasures]:
    query = (
        select(t.Layer.name, t.Unit.unit, t.Unit.branch, t.UnitScore.score, t.UnitScore.value)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .outerjoin(t.UnitScore, t.UnitScore.unit_id == t.Unit.id)
        .where(t.Layer.model_id == model, t.Layer.name.in_(layers))
    )
    found: dict[tuple[str, int], UnitMeasures] = {}
    for layer, unit, branch, score, value in session.execute(query):
        measured = found.setdefault((layer, unit), UnitMeasures(layer, unit, branch))
        if score is not None:
            measured.scores[score] = value
    return found


def _examples(session: Session, model: str, layers: list[str], found: dict[tuple[str, int], UnitMeasures]) -> None:
    query = (
        select(t.Layer.name, t.Unit.unit, t.DatasetImage.label, func.count(), func.max(t.DatasetExample.activation))
        .join(t.Unit, t.Unit.id == t.DatasetExample.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .join(t.DatasetImage, t.DatasetImage.id == t.DatasetExample.image_id)
        .where(t.Layer.model_id == model, t.Layer.name.in_(layers))
        .group_by(t.Unit.id, t.DatasetImage.label)
    )
    for layer, unit, label, count, peak in session.execute(query):
        measured = found[(layer, unit)]
        measured.examples += count
        measured.peak = peak if measured.peak is None else max(measured.peak, peak)
        if label is not None:
            measured.labels[label] = count


def _chosen_rows(session: Session, model: str, chosen: Mapping[str, set[int]], table: Any, *columns: Any) -> Any:
    """(layer, unit, *columns) of `table`'s rows (joined by unit_id) for the chosen units only."""
    numbers = sorted({u for units in chosen.values() for u in units})
    query = (
        select(t.Layer.name, t.Unit.unit, *columns)
        .join(t.Unit, t.Unit.id == table.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .where(t.Layer.model_id == model, t.Layer.name.in_(list(chosen)), t.Unit.unit.in_(numbers))
    )
    return (row for row in session.execute(query) if row[1] in chosen[row[0]])


def _curves(session: Session, model: str, chosen: Mapping[str, set[int]], found: dict) -> None:
    for layer, unit, name, values in _chosen_rows(
        session, model, chosen, t.UnitCurve, t.UnitCurve.name, t.UnitCurve.values
    ):
        peak = _largest(values)
        if peak is not None:
            found[(layer, unit)].curve_peaks[name] = peak


def _families(session: Session, model: str, chosen: Mapping[str, set[int]], found: dict) -> None:
    columns = (t.ScoreEvidence.family, t.ScoreEvidence.passes)
    for layer, unit, family, passes in _chosen_rows(session, model, chosen, t.ScoreEvidence, *columns):
        found[(layer, unit)].families[family] = passes


def model_measures(reader: StoreReader, model: str, chosen: Mapping[str, Iterable[int]]) -> ModelMeasures:
    """What the store measured of the chosen units ({layer: units}) of `model`, with every unit of their layers (six
    queries; none of a model the store lacks)."""
    chosen = {layer: set(units) for layer, units in chosen.items()}
    with Session(reader.engine) as session:
        names = list(session.scalars(select(t.Layer.name).where(t.Layer.model_id == model).order_by(t.Layer.position)))
        if not names:
            return ModelMeasures({}, (), ())
        layers = [name for name in chosen if name in names]
        found = _units(session, model, layers)
        _examples(session, model, layers, found)
        _curves(session, model, {layer: chosen[layer] for layer in layers}, found)
        if reader.keeps_evidence:  # a store from before family gates (format 0007) has none
            _families(session, model, {layer: chosen[layer] for layer in layers}, found)
        labels = select(t.DatasetImage.label).where(t.DatasetImage.model_id == model, t.DatasetImage.label.is_not(None))
        known = tuple(sorted(session.scalars(labels.distinct())))
    groups = {family: classes for family, classes in FAMILY_CLASSES.items() if set(classes) & set(known)}
    return ModelMeasures(found, known, tuple(names), groups)
