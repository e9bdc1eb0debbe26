"""Experiment stops of tours: the stored experiment a stop shows (`experiment: model/kind:layer:units`), what the
stop's panel says of it, and what it measured, by name, for the stop's claims and placeholders (notes.claim_check).

The numbers are those the experiment's page shows (app.experiments.present), so a claim checks what students see
there. One reader query per model with experiment stops (its stored experiments), whatever their number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.experiments.present import ExperimentData, experiment_public
from app.experiments.schemas import ExperimentPublic
from app.tours.schemas import TourExperimentPublic
from notes.claim_check import Experiments, wanted_experiments
from notes.tour_file import StopFile
from store.experiments import Experiment
from store.reader import StoreReader
from store.records import ModelView

Shown = dict[str, dict[str, ExperimentPublic]]  # the stops' stored experiments, by model then spec


def tour_experiments(stops: Sequence[StopFile], reader: StoreReader, models: Mapping[str, ModelView]) -> Shown:
    """The stored experiments the stops show, by model then spec (a spec not run on the model is left out)."""
    found: Shown = {}
    for model, specs in wanted_experiments(stops).items():
        if model in models:
            stored = [r for r in reader.experiments(model) or [] if r["spec"] in specs]
            found[model] = {r["spec"]: experiment_public(ExperimentData(models[model], r, {})) for r in stored}
    return found


def measured(shown: ExperimentPublic) -> dict[str, float]:
    """What an experiment measured, by the names its claims use (notes.claims.EXPERIMENT_MEASURES)."""
    family, others, rebuild = shown.family_classes, shown.other_classes, shown.rebuild
    found = {"family_before": family.before, "family_after": family.after} if family else {}
    if others is not None:
        found["others_change"] = others.change
    if rebuild is not None:
        removed = rebuild.removed_family_classes
        values = {"won_back": rebuild.won_back, "tuning_r": rebuild.mean_tuning_r}
        values["family_removed"] = removed.after if removed else None
        found |= {name: value for name, value in values.items() if value is not None}
    return found


def measures(shown: Shown) -> dict[str, Experiments]:
    """What each shown experiment measured, by model then spec: the claims' and placeholders' values."""
    return {model: {spec: measured(e) for spec, e in specs.items()} for model, specs in shown.items()}


def experiment_panel(shown: ExperimentPublic) -> TourExperimentPublic:
    """What an experiment stop shows of its experiment, beside its caption."""
    values = measured(shown)
    return TourExperimentPublic(
        spec=shown.spec, title=shown.title, kind=shown.kind, description=shown.description, family=shown.family,
        source_layer=shown.rebuild.source_layer if shown.rebuild else None, **values,
    )  # fmt: skip


def spec_problem(stop: StopFile, model: ModelView) -> str | None:
    """What is wrong with an experiment stop's spec on a model the store holds (not one, not written as its address
    writes it, a layer the model lacks, a unit past its units), or None: a tour to save is refused for it."""
    try:
        experiment = Experiment.parse(stop.target)
    except ValueError as error:
        return str(error)
    if str(experiment) != stop.target:
        return f"write the experiment as its address does: {experiment}"
    layers = {layer.name: layer.units for layer in model.layers}
    if experiment.layer not in layers:
        return f"{model.id} has no layer {experiment.layer!r}; layers: {', '.join(layers)}"
    if experiment.units[-1] >= layers[experiment.layer]:
        return f"{experiment.layer} has units 0–{layers[experiment.layer] - 1}; the spec names {experiment.units[-1]}"
    return None


def missing_experiment(stop: StopFile, model: ModelView) -> str:
    """Why the store cannot show an experiment stop of a model it holds."""
    why = spec_problem(stop, model)
    run = "`microscope precompute` runs the standard ones"
    return why or f"experiment {stop.target} was not run on {model.id} ({run})"
