"""Reading a model's stored experiments (store.schema.ModelExperiment): each result, and the settings they ran with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from store import schema as t
from store.experiments import Experiment, ExperimentResult


def stored_experiments(connection: Connection, model_id: str) -> list[ExperimentResult]:
    """The model's experiments in the order they were run (empty when none are stored)."""
    query = (
        select(t.ModelExperiment.payload)
        .where(t.ModelExperiment.model_id == model_id)
        .order_by(t.ModelExperiment.position)
    )
    return list(connection.scalars(query))


def stored_experiment(connection: Connection, model_id: str, experiment: Experiment) -> ExperimentResult | None:
    """One experiment's result, or None when it was not run on the model."""
    query = select(t.ModelExperiment.payload).where(
        t.ModelExperiment.model_id == model_id, t.ModelExperiment.key == experiment.key
    )
    return connection.scalar(query)


def experiments_settings(connection: Connection, model_id: str) -> dict[str, Any] | None:
    """The settings the model's experiments were run with, or None when none are stored."""
    query = select(t.ModelExperiment.settings).where(t.ModelExperiment.model_id == model_id).limit(1)
    return connection.scalar(query)
