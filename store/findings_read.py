"""The store's side of findings (precompute.findings): what they are measured from, and the findings kept per model.

Each function is one query over a connection of either side (the precompute stage reads through a StoreReader's
engine; the app's findings page through its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from store import schema as t

Finding = dict[str, Any]  # a finding's payload as stored (precompute.findings writes it, app.findings presents it)


def example_labels(connection: Connection, model_id: str) -> dict[str, dict[int, list[str | None]]]:
    """The label of each unit's top dataset examples, best first, by layer then unit."""
    query = (
        select(t.Layer.name, t.Unit.unit, t.DatasetImage.label)
        .select_from(t.DatasetExample)
        .join(t.Unit, t.Unit.id == t.DatasetExample.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .join(t.DatasetImage, t.DatasetImage.id == t.DatasetExample.image_id)
        .where(t.Layer.model_id == model_id)
        .order_by(t.Layer.position, t.Unit.unit, t.DatasetExample.rank)
    )
    found: dict[str, dict[int, list[str | None]]] = {}
    for layer, unit, label in connection.execute(query):
        found.setdefault(layer, {}).setdefault(unit, []).append(label)
    return found


def layer_scores(connection: Connection, model_id: str, names: Sequence[str]) -> dict[str, dict[str, dict[int, float]]]:
    """The scores called `names` of every unit that holds them, by layer, then score, then unit."""
    query = (
        select(t.Layer.name, t.UnitScore.score, t.Unit.unit, t.UnitScore.value)
        .select_from(t.UnitScore)
        .join(t.Unit, t.Unit.id == t.UnitScore.unit_id)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .where(t.Layer.model_id == model_id, t.UnitScore.score.in_(list(names)))
    )
    found: dict[str, dict[str, dict[int, float]]] = {}
    for layer, score, unit, value in connection.execute(query):
        found.setdefault(layer, {}).setdefault(score, {})[unit] = value
    return found


def unit_branches(connection: Connection, model_id: str) -> dict[str, dict[int, str]]:
    """The branch of each unit of a concatenating layer, by layer then unit (layers without branches: absent)."""
    query = (
        select(t.Layer.name, t.Unit.unit, t.Unit.branch)
        .select_from(t.Unit)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .where(t.Layer.model_id == model_id, t.Unit.branch.is_not(None))
    )
    found: dict[str, dict[int, str]] = {}
    for layer, unit, branch in connection.execute(query):
        found.setdefault(layer, {})[unit] = branch
    return found


def stored_findings(connection: Connection, model_id: str) -> list[Finding]:
    """The model's findings in order (empty when the stage has not run for it)."""
    query = select(t.ModelFinding.payload).where(t.ModelFinding.model_id == model_id).order_by(t.ModelFinding.position)
    return list(connection.scalars(query))


def findings_settings(connection: Connection, model_id: str) -> dict[str, Any] | None:
    """The settings the model's findings were measured with, or None when none are stored."""
    query = select(t.ModelFinding.settings).where(t.ModelFinding.model_id == model_id).limit(1)
    return connection.scalar(query)
