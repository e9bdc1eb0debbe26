"""The experiments run on a model (`/models/{model}/experiments`) and each one's result
(`/models/{model}/experiments/{spec}`): an edit of the network (store.experiments) and what it changed, measured by
precompute.experiments and stored.

Reader calls: the list takes one (the stored results); an experiment two (its result, and the thumbnails and labels
of the units it names). A spec written another way (units out of order, repeated) answers 301 to its canonical
address; a spec that is not one, a layer the model lacks or an experiment not run on it, a 404 saying how specs are
written or naming what exists. A store of a format before experiments were kept is served: it lists none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from app import routes, urls
from app.deps import ModelDep, MovedPermanently, Reader
from app.experiments.schemas import (
    ClassChangePublic,
    ExperimentPublic,
    ExperimentsPublic,
    ExperimentSummaryPublic,
    GroupChangePublic,
    RebuildPublic,
    RebuiltUnitPublic,
    SourcePublic,
    TunedUnitPublic,
    UnitChangePublic,
)
from app.units.present import unit_label
from app.web.errors import NotFound
from store.experiments import KINDS, Experiment, ExperimentResult
from store.reader import units_of
from store.records import ModelView, UnitSummary
from store.refs import UnitRef
from store.scores import FAMILY_CLASSES, ORIENTATION, ORIENTATION_SELECTIVITY

NOT_RUN = "No experiments were run on this model: run `microscope precompute` again with dataset images labelled by "
NOT_RUN += "its classes (or `microscope demo`)."
OLD_FORMAT = "No experiments were run on this model: the store's format predates them (run the precompute again)."
MAX_LISTED = 40  # experiments a 404 links to


@dataclass(frozen=True)
class ExperimentsData:
    """The experiments stored for a model (None: the store's format keeps none)."""

    model: ModelView
    stored: list[ExperimentResult] | None


@dataclass(frozen=True)
class ExperimentData:
    """One stored experiment, with the units it names (by layer, then unit)."""

    model: ModelView
    result: ExperimentResult
    units: dict[str, dict[int, UnitSummary]]


def get_experiments(reader: Reader, model_view: ModelDep) -> ExperimentsData:
    """The experiments run on the model named by the path (404 naming the stored models otherwise)."""
    return ExperimentsData(model_view, reader.experiments(model_view.id))


ExperimentsDep = Annotated[ExperimentsData, Depends(get_experiments)]

SpecText = Annotated[str, Path(description="the experiment, 'kind:layer:units', e.g. 'ablate:mixed4a:40,51,54'")]


def parse_spec(request: Request, model: ModelView, spec: str) -> Experiment:
    """The experiment the path names: a 404 saying how specs are written, or naming the model's layers; a 301 to the
    canonical spelling."""
    try:
        experiment = Experiment.parse(spec)
    except ValueError as error:  # a path that names nothing: a 404, as a misspelt unit number is (app.deps)
        raise NotFound(str(error), [("Experiments", urls.path(routes.EXPERIMENTS, model=model.id))]) from None
    layers = [layer.name for layer in model.layers]
    if experiment.layer not in layers:
        raise NotFound(f"{model.id} has no layer {experiment.layer!r}; layers: {', '.join(layers)}")
    if str(experiment) != spec:
        route = routes.API_EXPERIMENT if request.url.path.startswith(urls.API + "/") else routes.EXPERIMENT
        raise MovedPermanently(urls.path(route, model=model.id, spec=str(experiment)))
    return experiment


def get_experiment(request: Request, reader: Reader, model_view: ModelDep, spec: SpecText) -> ExperimentData:
    """The stored experiment the path names, with its units' thumbnails and labels; 404 naming those run otherwise."""
    experiment = parse_spec(request, model_view, spec)
    result = reader.experiment(model_view.id, experiment)
    if result is None:
        stored = reader.experiments(model_view.id) or []
        links = [(r["title"], experiment_url(model_view.id, r["spec"])) for r in stored[:MAX_LISTED]]
        run = f"; run on it: {len(stored)} (listed below)" if stored else "; none was run on it"
        raise NotFound(
            f"experiment {str(experiment)!r} was not run on {model_view.id}{run}. Experiments are run by "
            "`microscope precompute` (the standard ones: each family removed, negative weights into each curve "
            "family cut)",
            links or [("Experiments", urls.path(routes.EXPERIMENTS, model=model_view.id))],
        )
    chosen = {result["layer"]: list(result["units"])}
    if result.get("rebuild"):
        chosen[result["rebuild"]["from"]] = [int(u) for u in result["rebuild"]["sources"]]
    for key in ("changed", "tuning"):
        layer = result["next_layer"] if key == "changed" else (result.get("tuning") or {}).get("layer")
        rows = result[key] if key == "changed" else (result.get("tuning") or {}).get("units", [])
        if layer and rows:
            chosen.setdefault(layer, []).extend(row["unit"] for row in rows)
    return ExperimentData(model_view, result, units_of(reader, model_view.id, chosen))


ExperimentDep = Annotated[ExperimentData, Depends(get_experiment)]


def experiment_url(model: str, spec: str, route: routes.Route = routes.EXPERIMENT) -> str:
    """The address of an experiment on a model."""
    return urls.path(route, model=model, spec=spec)


def _group(rows: Sequence[ClassChangePublic]) -> GroupChangePublic | None:
    if not rows:
        return None
    before = sum(r.before for r in rows) / len(rows)
    after = sum(r.after for r in rows) / len(rows)
    return GroupChangePublic(classes=[r.name for r in rows], before=before, after=after, change=after - before)


def _classes(result: ExperimentResult) -> list[ClassChangePublic]:
    answered = set(FAMILY_CLASSES.get(result.get("family") or "", ()))
    return [
        ClassChangePublic(
            name=row["name"],
            images=row["images"],
            before=row["before"],
            after=row["after"],
            change=row["after"] - row["before"],
            family_class=row["name"] in answered,
        )
        for row in result["classes"]
    ]


def summary_public(model: str, result: ExperimentResult) -> ExperimentSummaryPublic:
    """An experiment as a model's list shows it."""
    classes = _classes(result)
    answered = [c for c in classes if c.family_class]
    accuracy = result.get("accuracy") or {}
    return ExperimentSummaryPublic(
        spec=result["spec"],
        title=result["title"],
        kind=result["kind"],
        layer=result["layer"],
        units=list(result["units"]),
        family=result.get("family"),
        families=result.get("families") or ([result["family"]] if result.get("family") else []),
        origin=result.get("origin", "precomputed"),
        accuracy_before=accuracy.get("before"),
        accuracy_after=accuracy.get("after"),
        family_classes=_group(answered),
        other_classes=_group([c for c in classes if not c.family_class]) if answered else None,
        url=experiment_url(model, result["spec"]),
        api_url=experiment_url(model, result["spec"], routes.API_EXPERIMENT),
    )


def experiments_public(data: ExperimentsData) -> ExperimentsPublic:
    """The list page's content."""
    model = data.model.id
    found = [summary_public(model, r) for r in data.stored or []]
    message = None if found else (OLD_FORMAT if data.stored is None else NOT_RUN)
    return ExperimentsPublic(
        model=model,
        message=message,
        kinds=dict(KINDS),
        experiments=found,
        model_url=urls.path(routes.MODEL, model=model),
        url=urls.path(routes.EXPERIMENTS, model=model),
        api_url=urls.path(routes.API_EXPERIMENTS, model=model),
    )


def _named(data: ExperimentData, layer: str, unit: int) -> dict[str, Any]:
    """The fields that name a unit: ref, page, label and thumbnail."""
    summary = data.units.get(layer, {}).get(unit)
    view = next((found for found in data.model.layers if found.name == layer), None)
    return {
        "ref": str(UnitRef(layer, unit)),
        "unit": unit,
        "url": urls.path(routes.UNIT, model=data.model.id, layer=layer, unit=unit),
        "label": unit_label(data.model, view, unit, summary.label if summary else None) if view else None,
        "thumbnail": urls.maybe_asset(summary.thumbnail) if summary else None,
    }


def _rebuild(data: ExperimentData, classes: list[ClassChangePublic]) -> RebuildPublic | None:
    """A rebuild's comparison, with its units and sources named (None for other kinds)."""
    found = data.result.get("rebuild")
    if not found:
        return None
    layer, source = data.result["layer"], found["from"]
    units = [
        RebuiltUnitPublic(
            **_named(data, layer, row["unit"]),
            orientation=found["targets"][str(row["unit"])],
            images_r=row.get("images_r"),
            tuning_r=row.get("tuning_r"),
            fit_r=row["fit_r"],
            scale=row["scale"],
            offset=row["offset"],
            angles=found.get("angles", []),
            curve_real=row.get("curve_real", []),
            curve_rebuilt=row.get("curve_rebuilt", []),
        )
        for row in found["units"]
    ]
    sources = [SourcePublic(**_named(data, source, int(u)), orientation=phi) for u, phi in found["sources"].items()]
    removed = _classes({**data.result, "classes": found["removed"]["classes"]})
    answered = [c for c in removed if c.family_class]
    removed_family, rebuilt_family = _group(answered), _group([c for c in classes if c.family_class])
    won = None
    if removed_family and rebuilt_family and removed_family.change < 0:
        won = (rebuilt_family.after - removed_family.after) / (removed_family.before - removed_family.after)
    tuned = [u.tuning_r for u in units if u.tuning_r is not None]
    return RebuildPublic(
        source_layer=source,
        sources=sources,
        units=units,
        removed_accuracy=found["removed"]["accuracy"],
        removed_family_classes=removed_family,
        removed_other_classes=_group([c for c in removed if not c.family_class]) if answered else None,
        won_back=won,
        mean_tuning_r=sum(tuned) / len(tuned) if tuned else None,
    )


def _means(data: ExperimentData, layer: str | None, rows: Sequence[dict[str, Any]]) -> list[UnitChangePublic]:
    if layer is None:
        return []
    return [UnitChangePublic(**_named(data, layer, r["unit"]), before=r["before"], after=r["after"]) for r in rows]


def experiment_public(data: ExperimentData) -> ExperimentPublic:
    """One experiment's page content."""
    result, model = data.result, data.model.id
    tuning = result.get("tuning") or {}
    tuned_layer = tuning.get("layer")
    o, s = ORIENTATION.name, ORIENTATION_SELECTIVITY.name
    tuned = [
        TunedUnitPublic(
            **_named(data, tuned_layer, row["unit"]),
            orientation_before=row.get(f"{o}_before"),
            orientation_after=row.get(f"{o}_after"),
            selectivity_before=row.get(f"{s}_before"),
            selectivity_after=row.get(f"{s}_after"),
        )
        for row in tuning.get("units", [])
        if tuned_layer
    ]
    classes = _classes(result)
    return ExperimentPublic(
        **summary_public(model, result).model_dump(),
        rebuild=_rebuild(data, classes),
        model=model,
        description=KINDS[result["kind"]],
        edited=_means(data, result["layer"], result.get("edited", [])),
        images=result["images"],
        labelled=result["labelled"],
        classes=classes,
        next_layer=result.get("next_layer"),
        changed=_means(data, result.get("next_layer"), result.get("changed", [])),
        tuning_layer=tuned_layer,
        tuning=tuned,
        experiments_url=urls.path(routes.EXPERIMENTS, model=model),
    )
