"""Turn the store's views into the API's response models (the pages render the same objects).

Presenters never query: they are handed the views the reader fetched. Fields a response model shares with a
store view are taken by name (`public`), so a field added to both needs no copying code here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel

from app import routes, urls
from app.deps import LayerContext, UnitContext
from app.notes.schemas import note_public
from app.schemas import BranchPublic, EdgePublic, LabelSourcePublic, ScoreDefinitionPublic, UnitSummaryPublic
from app.units.evidence import evidence_public
from app.units.grid import UNIT, UNIT_ORDER, GridQuery, arrange, grid_public
from app.units.schemas import (
    ActivationStatsPublic,
    CurvePublic,
    ExamplePublic,
    FeatureVisPublic,
    LayerPublic,
    LayerSummaryPublic,
    ModelPublic,
    ModelSummaryPublic,
    RangeExamplePublic,
    ReceptiveFieldPublic,
    UnitExperimentPublic,
    UnitLinkPublic,
    UnitPublic,
)
from notes.book import Note, NotesBook
from notes.db import NotesDatabaseError
from store import kinds
from store.figures.unit import UnitFigures, draw_unit
from store.records import (
    ActivationStatsRecord,
    EdgeView,
    ExampleView,
    FeatureVisView,
    LabelSource,
    LayerView,
    ModelView,
    RangeExampleView,
    UnitSummary,
    WeightsView,
)
from store.refs import UnitRef
from store.scores import SCORES

PREVIEW_UNITS = 8  # thumbnails per layer on the model page
EVIDENCE_STRIP = 6  # top dataset examples a teaching view shows beside a unit's picture (tour stops, family tiles)
P = TypeVar("P", bound=BaseModel)


def public(schema: type[P], view: object, **extra: Any) -> P:
    """A response model filled from the same-named attributes of a store view, plus `extra`."""
    shared = {name: getattr(view, name) for name in schema.model_fields if name not in extra and hasattr(view, name)}
    return schema.model_validate({**shared, **extra})


def shape(layer: LayerView) -> list[int]:
    """[units, height, width] for spatial layers, [units] otherwise."""
    if layer.height is None or layer.width is None:
        return [layer.units]
    return [layer.units, layer.height, layer.width]


def unit_label(model: ModelView, layer: LayerView, unit: int, stored: str | None) -> str | None:
    """The unit's stored label, or its class name when the layer is the classifier's output."""
    if stored:
        return stored
    is_logits = layer.next is None and layer.kind == "linear" and layer.units == len(model.class_labels)
    return str(model.class_labels[unit]) if is_logits and 0 <= unit < len(model.class_labels) else None


def citation(source: LabelSource) -> str:
    """'Olah et al. 2020' (or 'Olah and Cammarata 2020', 'Olah 2020'): surnames of the authors, and the year."""
    surnames = [name.split()[-1] for name in source.authors.split(",") if name.strip()]
    names = f"{surnames[0]} et al." if len(surnames) > 2 else " and ".join(surnames)
    return f"{names} {source.year}".strip() if source.year else names


def label_source_public(source: LabelSource) -> LabelSourcePublic:
    """Where hand labels come from, with its short citation."""
    return public(LabelSourcePublic, source, citation=citation(source))


def instructor_source(note: Note, note_url: str) -> LabelSourcePublic:
    """An instructor's note as the source of a unit's label (where the store holds no hand label for it)."""
    return LabelSourcePublic(
        key="instructor",
        title="An instructor's note",
        authors=note.author,
        year=note.updated.year,
        url=note_url,
        license="",
        citation=f"{note.author}, instructor's note",
    )


def _hand_label_source(summary: UnitSummary) -> LabelSource | None:
    return summary.label_source if summary.label and summary.label_source else None


def _unit_fields(model: ModelView, layer: LayerView, summary: UnitSummary) -> dict[str, Any]:
    """What every view of a unit says (UnitBase)."""
    unit = summary.unit
    return {
        "unit": unit,
        "ref": str(UnitRef(layer.name, unit)),
        "label": unit_label(model, layer, unit, summary.label),
        "branch": summary.branch,
        "url": urls.path(routes.UNIT, model=model.id, layer=layer.name, unit=unit),
        "api_url": urls.path(routes.API_UNIT, model=model.id, layer=layer.name, unit=unit),
        "thumbnail": urls.maybe_asset(summary.thumbnail),
        "scores": summary.scores,
    }


def unit_summary(
    model: ModelView, layer: LayerView, summary: UnitSummary, sort_value: float | None = None
) -> UnitSummaryPublic:
    """A unit as a layer grid shows it (with its value under the grid's sort, when sorted)."""
    source = _hand_label_source(summary)
    return UnitSummaryPublic(
        **_unit_fields(model, layer, summary), label_source=source.key if source else None, sort_value=sort_value
    )


def score_definitions(measured: Iterable[Mapping[str, float]]) -> list[ScoreDefinitionPublic]:
    """The definitions of the scores that any of these units' `scores` hold, in the registry's order."""
    names = set().union(*measured)
    return [public(ScoreDefinitionPublic, score) for score in SCORES.values() if score.name in names]


def _model_fields(model: ModelView) -> dict[str, Any]:
    return {
        "layer_count": len(model.layers),
        "url": urls.path(routes.MODEL, model=model.id),
        "api_url": urls.path(routes.API_MODEL, model=model.id),
    }


def _layer_fields(model: ModelView, layer: LayerView) -> dict[str, Any]:
    return {
        "shape": shape(layer),
        "url": urls.path(routes.LAYER, model=model.id, layer=layer.name),
        "api_url": urls.path(routes.API_LAYER, model=model.id, layer=layer.name),
    }


def model_summary(model: ModelView) -> ModelSummaryPublic:
    """A model as the index lists it."""
    return public(ModelSummaryPublic, model, **_model_fields(model))


def layer_summary(model: ModelView, layer: LayerView, preview: list[UnitSummary]) -> LayerSummaryPublic:
    """A layer as its model lists it, with its first few unit thumbnails."""
    units = [unit_summary(model, layer, u) for u in preview]
    return public(LayerSummaryPublic, layer, **_layer_fields(model, layer), preview=units)


def model_public(model: ModelView, previews: dict[str, list[UnitSummary]]) -> ModelPublic:
    """A model with its layers in forward order, each with the preview units the reader fetched."""
    layers = [layer_summary(model, layer, previews.get(layer.name, [])) for layer in model.layers]
    labels = [str(c) for c in model.class_labels]
    return public(ModelPublic, model, **_model_fields(model), class_labels=labels, layers=layers)


def layer_public(
    ctx: LayerContext, units: list[UnitSummary], weights: WeightsView | None = None, grid: GridQuery = UNIT_ORDER
) -> LayerPublic:
    """A layer with the units its grid keeps in the grid's order, who made their hand labels, what scores mean."""
    model, layer = ctx.model, ctx.layer
    sources = {source.key: source for u in units if (source := _hand_label_source(u))}
    arranged = arrange(units, grid, weights.svd if weights else None)
    return public(
        LayerPublic,
        layer,
        **_layer_fields(model, layer),
        model=model.id,
        rf=ReceptiveFieldPublic(size=layer.rf_size, stride=layer.rf_stride),
        previous_url=urls.path(routes.LAYER, model=model.id, layer=layer.previous) if layer.previous else None,
        next_url=urls.path(routes.LAYER, model=model.id, layer=layer.next) if layer.next else None,
        branch_layers=[other.name for other in model.layers if other.parent == layer.name],
        branches=branch_spans(model, units),
        unit_list=[unit_summary(model, layer, u, value if grid.sort != UNIT else None) for u, value in arranged],
        label_sources=[label_source_public(source) for source in sources.values()],
        score_definitions=score_definitions(u.scores for u in units),
        grid=grid_public(model.id, layer.name, units, weights, grid, arranged),
        units_jsonl_url=urls.path(routes.API_LAYER_UNITS_JSONL, model=model.id, layer=layer.name),
        units_parquet_url=urls.path(routes.API_LAYER_UNITS_PARQUET, model=model.id, layer=layer.name),
        feature_vis_zip_url=urls.path(routes.API_LAYER_FEATURE_VIS_ZIP, model=model.id, layer=layer.name),
    )


def branch_spans(model: ModelView, units: list[UnitSummary]) -> list[BranchPublic]:
    """The spans of units that share a branch, in unit order, each linked to its branch layer when stored."""
    if not any(u.branch for u in units):
        return []
    stored = {layer.name for layer in model.layers}
    spans: list[BranchPublic] = []
    for unit in units:
        name = unit.branch or "(no branch)"
        if spans and spans[-1].name == name:
            spans[-1].units += 1
            continue
        url = urls.path(routes.LAYER, model=model.id, layer=name) if name in stored else None
        spans.append(BranchPublic(name=name, first=unit.unit, units=1, url=url))
    return spans


def edge_public(model: ModelView, edge: EdgeView) -> EdgePublic:
    """A connection, pointing at the page of the unit at its other end, named by its label or class."""
    other = next((layer for layer in model.layers if layer.name == edge.layer), None)
    return public(
        EdgePublic,
        edge,
        label=unit_label(model, other, edge.unit, edge.label) if other else edge.label,
        ref=str(UnitRef(edge.layer, edge.unit)),
        url=urls.path(routes.UNIT, model=model.id, layer=edge.layer, unit=edge.unit),
        thumbnail=urls.maybe_asset(edge.thumbnail),
    )


def _strongest_first(model: ModelView, edges: list[EdgeView]) -> list[EdgePublic]:
    return [edge_public(model, e) for e in sorted(edges, key=lambda e: -abs(e.weight))]


def feature_vis_public(view: FeatureVisView) -> FeatureVisPublic:
    """A feature visualization with its kind, what the kind means, and its place in a set."""
    kind = kinds.find(view.key.kind)
    return public(
        FeatureVisPublic,
        view,
        url=urls.asset(view.asset),
        key=str(view.key),
        kind=view.key.kind,
        index=view.key.index or 0,
        in_set=view.key.index is not None,
        meaning=kind.meaning if kind else "",
        objective=str(view.key),
        tensor=view.settings.get("tensor", "output"),  # stores made before pre-ReLU objectives read outputs
        width=view.asset.width,
        height=view.asset.height,
    )


def example_public(view: ExampleView) -> ExamplePublic:
    """A dataset example: the crop around the unit's peak, and where it comes from."""
    asset = view.asset
    return public(
        ExamplePublic, view, url=urls.asset(asset), crop=list(view.crop), width=asset.width, height=asset.height
    )


def range_example_public(view: RangeExampleView) -> RangeExamplePublic:
    """An example among the least active images or at an activation quantile."""
    asset = view.asset
    return public(
        RangeExamplePublic, view, url=urls.asset(asset), crop=list(view.crop), width=asset.width, height=asset.height
    )


def stats_public(stats: ActivationStatsRecord) -> ActivationStatsPublic:
    """A unit's activation statistics over the dataset."""
    return public(ActivationStatsPublic, stats)


def _link(model: ModelView, ref: UnitRef) -> UnitLinkPublic:
    return UnitLinkPublic(ref=str(ref), url=urls.path(routes.UNIT, model=model.id, layer=ref.layer, unit=ref.unit))


def unit_figures(ctx: UnitContext) -> UnitFigures:
    """The unit page's figures: those precompute stored, or drawn now when the store has none (an older store)."""
    return ctx.detail.figures or draw_unit(ctx.layer.name, ctx.detail)


def unit_public(
    ctx: UnitContext,
    note: Note | None = None,
    notes_error: str | None = None,
    experiments: Sequence[UnitExperimentPublic] = (),
    remove_alone_url: str | None = None,
) -> UnitPublic:
    """Everything stored about a unit (and its instructor's note, the experiments that edit it: app.units.experiments),
    examples highest first, edges strongest first."""
    model, layer, detail, unit = ctx.model, ctx.layer, ctx.detail, ctx.unit
    at = {"model": model.id, "layer": layer.name}
    note_url = urls.path(routes.API_UNIT_NOTE, **at, unit=unit)
    examples = sorted(detail.dataset_examples, key=lambda e: (-e.activation, e.rank))
    source = _hand_label_source(detail.summary)
    fields = _unit_fields(model, layer, detail.summary)
    labelled_by = label_source_public(source) if source else None
    if fields["label"] is None and note is not None and note.label:  # the instructor's label, cited as theirs
        fields["label"], labelled_by = note.label, instructor_source(note, note_url)
    return UnitPublic(
        **fields,
        model=model.id,
        layer=layer.name,
        label_source=labelled_by,
        score_definitions=score_definitions([detail.summary.scores]),
        same_unit=_link(model, detail.same_unit) if detail.same_unit else None,
        feature_vis=[feature_vis_public(f) for f in detail.feature_vis],
        dataset_examples=[example_public(e) for e in examples],
        dataset_max_activation=examples[0].activation if examples else None,
        curves=[CurvePublic(name=c.name, axes=c.axes, values=c.values) for c in detail.curves],
        range_examples=[range_example_public(e) for e in detail.range_examples],
        stats=stats_public(detail.stats) if detail.stats else None,
        inputs=_strongest_first(model, detail.inputs),
        outputs=_strongest_first(model, detail.outputs),
        previous=urls.path(routes.UNIT, **at, unit=unit - 1) if unit > 0 else None,
        next=urls.path(routes.UNIT, **at, unit=unit + 1) if unit + 1 < layer.units else None,
        note=note_public(note, note_url) if note else None,
        note_url=note_url,
        notes_error=notes_error,
        evidence=evidence_public(detail),
        experiments=list(experiments),
        remove_alone_url=remove_alone_url,
    )


log = logging.getLogger("microscope.app")
INSTRUCTOR = "instructor"  # the label source key of an instructor's label (`instructor_source`)
UnitKey = tuple[str, str, int]  # model id, layer name, unit


def instructor_notes(book: NotesBook) -> dict[UnitKey, Note]:
    """Every note that gives its unit a label, by (model, layer, unit) (one query of the notes database); none while
    the database cannot be read: a store page shows the rest of itself either way."""
    try:
        return {(note.model, note.layer, note.unit): note for note in book.notes() if note.label}
    except NotesDatabaseError as error:
        log.warning("%s", error)
        return {}


def instructor_labelled(
    model: ModelView, layer: LayerView, units: Iterable[UnitSummary], notes: Mapping[UnitKey, Note]
) -> list[UnitSummary]:
    """The units, those with neither a hand label nor a class name labelled by their instructor's note, with the
    source 'instructor': the notes' authors and latest year, linked to every note's edits."""
    units = list(units)
    taken = {
        u.unit: notes[key]
        for u in units
        if (key := (model.id, layer.name, u.unit)) in notes and unit_label(model, layer, u.unit, u.label) is None
    }
    if not taken:
        return units
    authors = ", ".join(sorted({note.author for note in taken.values()}))
    year = max(note.updated.year for note in taken.values())
    source = LabelSource(INSTRUCTOR, "Instructors' notes", authors, year, urls.path(routes.NOTES_HISTORY), "")
    return [replace(u, label=taken[u.unit].label, label_source=source) if u.unit in taken else u for u in units]
