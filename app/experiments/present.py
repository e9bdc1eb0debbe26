"""The experiments run on a model (`/models/{model}/experiments`) and each one's result
(`/models/{model}/experiments/{spec}`): an edit of the network (store.experiments) and what it changed, measured by
precompute.experiments and stored.

An experiment the store does not hold (or a rebuild by another rule, `?rule=`, store.rules) is run live by the
service's worker (`microscope probe-worker --store`, the same as probing's): its answer is marked live, says whether
the worker answered from its cache, and is never kept by the response cache. With no worker, it answers 503 saying
how to start one.

Reader calls: the list takes one (the stored results); an experiment two (its result, and the thumbnails and labels
of the units it names). A spec written another way (units out of order, repeated; a rule's spacing) answers 301 to
its canonical address; a spec that is not one, a layer the model lacks or a unit past its units, a 404 saying how
specs are written or naming what exists; a rule that is not one, a 404 saying what a rule may hold (it names no
experiment). A rule the worker cannot evaluate at the units' orientations (dividing by zero) is its 422. A store of a
format before experiments were kept is served: it lists none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Path, Query, Request
from starlette.exceptions import HTTPException

from app import routes, urls
from app.deps import ModelDep, MovedPermanently, Reader, SeeOther
from app.experiments.schemas import (
    ClassChangePublic,
    ExperimentPublic,
    ExperimentsPublic,
    ExperimentSummaryPublic,
    GroupChangePublic,
    RebuildPublic,
    RebuiltUnitPublic,
    SourcePublic,
    TensorPublic,
    TunedUnitPublic,
    UnitChangePublic,
)
from app.probe import client as worker_client
from app.units.present import unit_label
from app.web.errors import NotFound
from store.experiments import KINDS, REBUILD, Experiment, ExperimentResult
from store.reader import units_of
from store.records import ModelView, UnitSummary
from store.refs import UnitRef
from store.rules import CURVE_RULE, MAX_LENGTH, Rule, RuleError
from store.scores import FAMILY_CLASSES, ORIENTATION, ORIENTATION_SELECTIVITY

NOT_RUN = "No experiments were run on this model: run `microscope precompute` again with dataset images labelled by "
NOT_RUN += "its classes (or `microscope demo`)."
OLD_FORMAT = "No experiments were run on this model: the store's format predates them (run the precompute again)."


@dataclass(frozen=True)
class ExperimentsData:
    """The experiments stored for a model (None: the store's format keeps none), and whether a worker runs others."""

    model: ModelView
    stored: list[ExperimentResult] | None
    worker: bool = False


@dataclass(frozen=True)
class ExperimentData:
    """One experiment's result, stored or live, with the units it names (by layer, then unit); `cached`: for a live
    one, whether the worker answered from its cache (None: read from the store)."""

    model: ModelView
    result: ExperimentResult
    units: dict[str, dict[int, UnitSummary]]
    cached: bool | None = None
    worker: bool = False  # whether the service has an experiment worker (what runs another rule)

    @property
    def live(self) -> bool:
        return self.cached is not None


AskedSpec = Annotated[
    str | None,
    Query(max_length=300, description="an experiment to show (the list page's form): answered 303 to its address"),
]


def get_experiments(request: Request, reader: Reader, model_view: ModelDep, spec: AskedSpec = None) -> ExperimentsData:
    """The experiments run on the model named by the path (404 naming the stored models otherwise); with `spec`, a
    303 to that experiment's address (404 when it names none)."""
    if spec is not None:
        experiment = parse_spec(request, model_view, spec.strip(), redirect=False)
        raise SeeOther(urls.path(_one(request), model=model_view.id, spec=str(experiment)))
    return ExperimentsData(model_view, reader.experiments(model_view.id), bool(request.app.state.settings.probe_url))


ExperimentsDep = Annotated[ExperimentsData, Depends(get_experiments)]

SpecText = Annotated[str, Path(description="the experiment, 'kind:layer:units', e.g. 'ablate:mixed4a:40,51,54'")]
RuleText = Annotated[
    str | None,
    Query(
        max_length=MAX_LENGTH,
        description="for a rebuild: the rule giving the weight from a previous-layer unit preferring phi into a unit "
        "preferring theta (degrees), e.g. 'cos(theta - phi)' (the default, which the stored rebuilds use); run live",
    ),
]


def parse_spec(
    request: Request, model: ModelView, spec: str, rule: Rule | None = None, redirect: bool = True
) -> Experiment:
    """The experiment the path names: a 404 saying how specs are written, or naming the model's layers or a layer's
    units; a 301 to the canonical spelling (of the spec, and of the rule, dropped when it is the default), unless
    `redirect` is off (a POST's body would not follow it)."""
    try:
        experiment = Experiment.parse(spec)
    except ValueError as error:  # a path that names nothing: a 404, as a misspelt unit number is (app.deps)
        raise NotFound(str(error), [("Experiments", urls.path(routes.EXPERIMENTS, model=model.id))]) from None
    layers = {layer.name: layer for layer in model.layers}
    if experiment.layer not in layers:
        raise NotFound(f"{model.id} has no layer {experiment.layer!r}; layers: {', '.join(layers)}")
    count = layers[experiment.layer].units
    if experiment.units[-1] >= count:
        raise NotFound(f"{experiment.layer} has units 0–{count - 1}; the spec names {experiment.units[-1]}")
    given = request.query_params.get("rule")
    canonical = None if rule is None or rule.is_default else rule.text
    if redirect and (str(experiment) != spec or (given is not None and given != canonical)):
        moved = urls.path(_one(request), model=model.id, spec=str(experiment))
        raise MovedPermanently(moved + (f"?{urlencode({'rule': canonical})}" if canonical else ""))
    return experiment


def _one(request: Request) -> routes.Route:
    """The route of one experiment beside the request's: its JSON twin under /api/v1, else its page."""
    return routes.API_EXPERIMENT if request.url.path.startswith(urls.API + "/") else routes.EXPERIMENT


def parse_rule(experiment_kind: str | None, text: str | None) -> Rule | None:
    """The rule a query gives (None without one); a 404 saying what a rule may hold, or that only rebuilds take one:
    the rule is part of the experiment's address, and such an address names no experiment."""
    if text is None:
        return None
    try:
        rule = Rule.parse(text)
    except RuleError as error:
        raise NotFound(str(error)) from None
    if experiment_kind is not None and experiment_kind != REBUILD:
        raise NotFound(f"a rule applies to rebuilds only, not to {experiment_kind}")
    return rule


def get_experiment(
    request: Request, reader: Reader, model_view: ModelDep, spec: SpecText, rule: RuleText = None
) -> ExperimentData:
    """The experiment the path names, stored or run live by the worker, with its units' thumbnails and labels."""
    kind = spec.partition(":")[0].strip()
    ruled = parse_rule(kind if kind in KINDS else None, rule)
    experiment = parse_spec(request, model_view, spec, ruled)
    ruled = None if ruled is None or ruled.is_default else ruled
    result = reader.experiment(model_view.id, experiment) if ruled is None else None
    if result is not None:
        return experiment_data(request, reader, model_view, result, None)
    answer = live(request, reader, model_view, experiment, ruled)
    return experiment_data(request, reader, model_view, answer["result"], bool(answer.get("cached")))


def experiment_data(
    request: Request, reader: Reader, model: ModelView, result: ExperimentResult, cached: bool | None
) -> ExperimentData:
    """A result (stored: `cached` None; live: whether the worker kept it) with the units it names."""
    chosen = {result["layer"]: list(result["units"])}
    if result.get("rebuild"):
        chosen[result["rebuild"]["from"]] = [int(u) for u in result["rebuild"]["sources"]]
    for key in ("changed", "tuning"):
        layer = result["next_layer"] if key == "changed" else (result.get("tuning") or {}).get("layer")
        rows = result[key] if key == "changed" else (result.get("tuning") or {}).get("units", [])
        if layer and rows:
            chosen.setdefault(layer, []).extend(row["unit"] for row in rows)
    worker = bool(request.app.state.settings.probe_url)
    return ExperimentData(model, result, units_of(reader, model.id, chosen), cached, worker)


def live(
    request: Request,
    reader: Reader,
    model: ModelView,
    experiment: Experiment,
    rule: Rule | None,
    tensor: bytes | None = None,
) -> dict:
    """The worker's answer (a rebuild by `rule`, or from a .npy `tensor`); 503 saying how to start one when the
    service has none."""
    settings = request.app.state.settings
    if not settings.probe_url:
        stored = reader.experiments(model.id) or []
        run = f" (it holds {len(stored)}, listed at {urls.path(routes.EXPERIMENTS, model=model.id)})" if stored else ""
        asked = f"{experiment}" + (f" with the rule {rule.text!r}" if rule else "")
        asked += " from an uploaded tensor" if tensor is not None else ""
        raise HTTPException(
            503,
            f"experiment {asked!r} is not in the store{run}, and no experiment worker runs beside this service to "
            "compute it live: " + worker_client.EXPERIMENT_HINT.format(model=model.id),
        )
    timeout = settings.experiment_timeout
    return worker_client.experiment(
        settings.probe_url, model.id, str(experiment), rule.text if rule else None, timeout=timeout, tensor=tensor
    )


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
        live=data.worker,
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
            orientation=found["targets"].get(str(row["unit"])),
            images_r=row.get("images_r"),
            tuning_r=row.get("tuning_r"),
            fit_r=row["fit_r"],
            scale=row["scale"],
            offset=row["offset"],
            angles=found.get("angles", []),
            curve_real=row.get("curve_real", []),
            curve_rebuilt=row.get("curve_rebuilt", []),
            weights_real=row.get("weights_real", []),
            weights_rebuilt=row.get("weights_rebuilt", []),
            weights_r=row.get("weights_r"),
            top_count=row.get("top_count"),
            top_shared=row.get("top_shared"),
            top_classes_real=row.get("top_classes_real", {}),
            top_classes_rebuilt=row.get("top_classes_rebuilt", {}),
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
    circuit = _real_circuit(data.model.id, source, sources, layer, units)
    return RebuildPublic(
        source_layer=source,
        sources=sources,
        units=units,
        removed_accuracy=found["removed"]["accuracy"],
        removed_family_classes=removed_family,
        removed_other_classes=_group([c for c in removed if not c.family_class]) if answered else None,
        won_back=won,
        mean_tuning_r=sum(tuned) / len(tuned) if tuned else None,
        circuit_url=circuit,
    )


CIRCUIT_SOURCES = 16  # the rule's units a rebuild's link to the real circuit shows: those the real units weigh most


def _real_circuit(
    model: str, source: str, sources: Sequence[SourcePublic], layer: str, units: Sequence[RebuiltUnitPublic]
) -> str | None:
    """The circuit page of the real kernels between the rule's units the real units weigh most (by mean |summed
    weight|) and the rebuilt units, each layer by preferred orientation; None without orientations."""
    kept = [u for u in units if u.orientation is not None and len(u.weights_real) == len(sources)]
    if not sources or not kept:
        return None
    weighed = sorted(range(len(sources)), key=lambda i: -sum(abs(u.weights_real[i]) for u in kept))[:CIRCUIT_SOURCES]
    chosen = sorted((sources[i] for i in weighed), key=lambda s: s.orientation)
    targets = sorted(kept, key=lambda u: u.orientation or 0.0)
    return urls.circuit_page(model, [(source, [s.unit for s in chosen]), (layer, [u.unit for u in targets])])


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
    tensor = result.get("tensor")
    summary = summary_public(model, result)
    if result.get("rule"):  # a live rebuild by another rule: its address carries the rule
        query = f"?{urlencode({'rule': result['rule']})}"
        summary = summary.model_copy(update={"url": summary.url + query, "api_url": summary.api_url + query})
    return ExperimentPublic(
        **summary.model_dump(),
        cached=data.cached,
        rule=result.get("rule") or (CURVE_RULE.text if result["kind"] == REBUILD and not tensor else None),
        tensor=TensorPublic(**tensor) if tensor else None,
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
