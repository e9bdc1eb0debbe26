"""Feature families: a layer's members of a family (store.scores.FAMILY_SCORES) that score highest, laid out by
preferred orientation so that the rotated copies of one feature stand in a row, and how much of the circle they cover.

Members are the units that passed the family's gate (store.scores.passes_gate: their family stimulus response is a
real share of their dataset peak and, on the demo's labelled images, their top examples are of the family's classes);
on a store without that evidence, every scored unit, ranked by score alone, and the page says so.
`load_family` makes the reader calls (five, whatever the layer's size: the top members of this layer and the one
before it with their pictures, how many passed, the weights between them, the units' orientation curves, their top
examples' crops) and reads the instructors' labels (one query of the notes database); the presenters never query.
Each tile shows the unit by the picture that reads best of those stored (app.families.pictures: neuron, else channel)
and beside it the evidence, its top dataset examples; a unit without a hand label shows its instructor's label, its
`label_source` 'instructor'.
Coverage: the preferred orientations of the units that prefer one (orientation selectivity at least
store.scores.ORIENTED_SELECTIVITY) sorted round the circle, the widest gap between neighbours (the last and the first
too, across 360°), and `covers` = 360° − that gap: the smallest arc that holds every counted orientation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Path, Query
from markupsafe import Markup
from starlette.exceptions import HTTPException

from app import routes, urls
from app.circuit.query import ORIENTATION
from app.deps import MAX_LINKS, LayerDep, Reader
from app.families.membership import membership
from app.families.pictures import BETTER, choose_picture
from app.families.schemas import (
    CoveragePublic,
    FamilyLinkPublic,
    FamilyPublic,
    FamilyUnitPublic,
    OrientationCurvePublic,
)
from app.notes.instructors import Notes
from app.plots.sparkline_polar import polar_sparkline
from app.schemas import ScoreDefinitionPublic
from app.units.present import (
    EVIDENCE_STRIP,
    UnitKey,
    instructor_labelled,
    instructor_notes,
    public,
    score_definitions,
    unit_summary,
)
from app.web.errors import NotFound
from notes.book import Note
from store import circle
from store.experiments import ABLATE, Experiment
from store.reader import StoreReader
from store.records import AssetRef, CurveView, FamilyCount, LayerView, ModelView, UnitSummary, WeightsView
from store.scores import FAMILY_SCORES, FAMILY_TOP, ORIENTATION_SELECTIVITY, ORIENTED_SELECTIVITY, Score

TOP = FAMILY_TOP  # units a family view shows by default (the units precompute's experiments remove)
MAX_TOP = 64  # at most: the most a circuit takes per layer (app.circuit.query.MAX_UNITS)
CURVE = "orientation"  # the tuning curve each tile draws (precompute.tuning names it)
FAMILY_HELP = f"a family: {', '.join(FAMILY_SCORES)}"
HOW_TO_MEASURE = "re-run `microscope precompute` with tuning enabled to measure them"


class BadFamilyQuery(HTTPException):
    """A 400 naming the bad parameter and what it takes."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=400, detail=detail)


def top_help(maximum: int) -> str:
    """What `top` takes."""
    return f"how many of the highest-scoring units to show: a whole number from 1 to {maximum}"


def parse_top(text: str, default: int, maximum: int) -> int:
    """The `top` parameter ('' is the default), or a 400 saying what it takes."""
    if not text:
        return default
    number = int(text) if re.fullmatch(r"[0-9]{1,6}", text) else 0
    if not 1 <= number <= maximum:
        raise BadFamilyQuery(f"top: expected {top_help(maximum)}, got {text[:40]!r}")
    return number


def top_schema(maximum: int) -> dict[str, Any]:
    """The OpenAPI schema of `top`: a number in range, or empty (what a form's blank field sends)."""
    return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": maximum}, {"type": "string", "maxLength": 0}]}


def _top_schema(schema: dict[str, Any]) -> None:
    schema.pop("type", None)
    schema.update(top_schema(MAX_TOP))


def family_links(names: Iterable[str], link: Any) -> list[FamilyLinkPublic]:
    """The families whose score is among `names`, in declaration order, each linked by `link(family)`."""
    held = set(names)
    return [
        FamilyLinkPublic(family=family, score=score.name, url=link(family))
        for family, score in FAMILY_SCORES.items()
        if score.name in held
    ]


def layer_families(model: ModelView, layer: LayerView, units: Iterable[UnitSummary]) -> list[FamilyLinkPublic]:
    """The family views a layer page links to: one per family whose score some unit of the layer holds."""
    names = set().union(*(u.scores for u in units))
    return family_links(names, lambda family: urls.path(routes.FAMILY, model=model.id, layer=layer.name, family=family))


def selective_orientations(units: Sequence[FamilyUnitPublic]) -> tuple[list[float], int]:
    """The preferred orientations that count towards coverage, those of units that prefer one (orientation
    selectivity at least store.scores.ORIENTED_SELECTIVITY: a ring-like unit's angle is noise), and how many units
    with a preferred orientation were left out."""
    measured = [u for u in units if u.orientation is not None]
    counted = [
        float(u.orientation)
        for u in measured
        if u.orientation is not None and u.scores.get(ORIENTATION_SELECTIVITY.name, 0.0) >= ORIENTED_SELECTIVITY
    ]
    return counted, len(measured) - len(counted)


def coverage(orientations: Sequence[float], unselective: int = 0) -> CoveragePublic:
    """How much of the circle the preferred orientations cover: the widest gap between neighbours, and 360° − it;
    `unselective`: the units left out for too low a selectivity."""
    found = circle.coverage(orientations)
    return CoveragePublic(
        oriented=found.count,
        unselective=unselective,
        min_selectivity=ORIENTED_SELECTIVITY,
        largest_gap=found.largest_gap,
        gap_from=found.gap_from,
        gap_to=found.gap_to,
        covers=found.covers,
    )


def weak(units: Sequence[FamilyUnitPublic], score: Score) -> int:
    """How many of the units score below the score's `weak_below`: members that prefer other stimuli as much."""
    return 0 if score.weak_below is None else sum(u.score < score.weak_below for u in units)


def by_orientation(units: Sequence[FamilyUnitPublic]) -> list[FamilyUnitPublic]:
    """The units by preferred orientation, lowest angle first; those without one last, by rank."""
    return sorted(units, key=lambda u: (u.orientation is None, u.orientation or 0.0, u.rank))


def orientation_curve(view: CurveView | None) -> OrientationCurvePublic | None:
    """A stored curve over the orientation axis alone, or None (absent, or over other axes)."""
    if view is None or list(view.axes) != [CURVE] or len(view.values) != len(view.axes[CURVE]):
        return None
    if not all(isinstance(v, int | float) for v in view.values):
        return None
    return OrientationCurvePublic(orientation=view.axes[CURVE], values=view.values)


def family_unit(
    model: ModelView,
    layer: LayerView,
    summary: UnitSummary,
    score: Score,
    rank: int,
    curve: CurveView | None,
    crops: Sequence[AssetRef] = (),
) -> FamilyUnitPublic:
    """A unit as a family shows it, by the picture that reads best of those stored (app.families.pictures), with its
    top dataset examples' crops."""
    picture = choose_picture(summary)
    return FamilyUnitPublic(
        **unit_summary(model, layer, summary).model_dump(),
        picture=picture.url,
        picture_kind=picture.kind,
        picture_transparent=picture.transparent,
        examples=[urls.asset(crop) for crop in crops],
        score=summary.scores[score.name],
        rank=rank,
        orientation=summary.scores.get(ORIENTATION),
        curve=orientation_curve(curve),
    )


def ranked_units(
    model: ModelView,
    layer: LayerView,
    units: Sequence[UnitSummary],
    score: Score,
    curves: Mapping[int, CurveView],
    examples: Mapping[int, Sequence[AssetRef]] | None = None,
) -> list[FamilyUnitPublic]:
    """The units as the reader ranked them (highest score first), each with its rank, curve, picture and the crops
    of its top dataset examples (when given)."""
    crops = examples or {}
    return [
        family_unit(model, layer, u, score, i + 1, curves.get(u.unit), crops.get(u.unit, ()))
        for i, u in enumerate(units)
    ]


def find_family(model: ModelView, layer: LayerView, family: str) -> Score:
    """The family's score, or a 404 naming the families (linked for this layer)."""
    score = FAMILY_SCORES.get(family)
    if score is None:
        links = [
            (name, urls.path(routes.FAMILY, model=model.id, layer=layer.name, family=name)) for name in FAMILY_SCORES
        ]
        raise NotFound(f"no family {family!r}; families: {', '.join(FAMILY_SCORES)}", links)
    return score


@dataclass(frozen=True)
class FamilyData:
    """What the store holds for a layer's family view."""

    model: ModelView
    layer: LayerView
    family: str
    score: Score
    top: int
    units: list[UnitSummary]  # this layer's top members, highest score first
    previous: list[UnitSummary]  # the previous layer's top members, when the weights from it are stored
    curves: dict[str, dict[int, CurveView]]  # orientation curves by layer and unit
    count: FamilyCount | None = None  # how many passed the family's gate (None: no gated evidence, ranked by score)
    examples: dict[int, list[AssetRef]] = field(default_factory=dict)  # this layer's units' top examples' crops
    experiments: bool = False  # whether the store keeps experiments (precompute runs the family's removal)


def _weights_from_previous(reader: StoreReader, model: ModelView, layer: LayerView) -> WeightsView | None:
    if layer.previous is None:
        return None
    view = reader.weights(model.id, layer.name)
    return view if view is not None and view.source == layer.previous else None


def load_family(
    reader: StoreReader,
    model: ModelView,
    layer: LayerView,
    family: str,
    top: int,
    notes: Mapping[UnitKey, Note] | None = None,
) -> FamilyData:
    """The layer's top members of the family (and the previous layer's, when joined by stored weights), those without
    a hand label labelled by their instructor's note (`notes`), or a 404 when none of its units was measured."""
    score = find_family(model, layer, family)
    weights = _weights_from_previous(reader, model, layer)
    names = [layer.name, *([weights.source] if weights else [])]
    ranked = reader.units_scored(model.id, score.name, top, names, family, BETTER)
    count = reader.family_counts(family, model.id).get((model.id, layer.name))
    if layer.name not in ranked and count is None:
        raise no_family_scores(reader, model, layer, family, score)
    previous = ranked.get(weights.source, []) if weights else []
    chosen = {name: [u.unit for u in units] for name, units in ranked.items()}
    curves = reader.curves_of(model.id, chosen, CURVE) if chosen else {}
    shown = instructor_labelled(model, layer, ranked.get(layer.name, []), notes or {})
    crops = reader.examples_of(model.id, {layer.name: [u.unit for u in shown]}, EVIDENCE_STRIP) if shown else {}
    examples = crops.get(layer.name, {})
    kept = reader.keeps_experiments
    return FamilyData(model, layer, family, score, top, shown, previous, curves, count, examples, kept)


def no_family_scores(reader: StoreReader, model: ModelView, layer: LayerView, family: str, score: Score) -> NotFound:
    """The 404 of a layer whose units hold no score of the family, linking the layers that do (one query)."""
    held = list(reader.units_scored(model.id, score.name, 1))
    links = [(name, urls.path(routes.FAMILY, model=model.id, layer=name, family=family)) for name in held[:MAX_LINKS]]
    return NotFound(
        f"the store has no tuning data for layer {layer.name!r} of model {model.id!r}: none of its units has a "
        f"{score.name!r} score, which ranks the {family} family; {HOW_TO_MEASURE}; "
        f"layers of {model.id!r} with it: {', '.join(held) or 'none'}",
        links or [(layer.name, urls.path(routes.LAYER, model=model.id, layer=layer.name))],
    )


FamilyName = Annotated[str, Path(description=FAMILY_HELP, examples=list(FAMILY_SCORES))]
TopText = Annotated[str, Query(description=top_help(MAX_TOP), json_schema_extra=_top_schema)]


def get_family(reader: Reader, book: Notes, ctx: LayerDep, family: FamilyName, top: TopText = "") -> FamilyData:
    """The family view named by the path and query, with the instructors' labels."""
    top_units = parse_top(top, TOP, MAX_TOP)
    return load_family(reader, ctx.model, ctx.layer, family, top_units, instructor_notes(book))


FamilyDep = Annotated[FamilyData, Depends(get_family)]


def _circuit(data: FamilyData, units: Sequence[FamilyUnitPublic]) -> tuple[str, list[str]]:
    """The family as a circuit: the previous layer's oriented family units (when joined by stored weights) and
    these, ordered by orientation when every one of them has a preferred orientation."""
    earlier = sorted((u for u in data.previous if ORIENTATION in u.scores), key=lambda u: u.scores[ORIENTATION])
    groups = [(data.layer.previous or "", [u.unit for u in earlier])] if earlier else []
    groups.append((data.layer.name, [u.unit for u in units]))
    oriented = all(u.orientation is not None for u in units)
    url = urls.circuit_page(data.model.id, groups, ORIENTATION if oriented else None)
    return url, [name for name, _ in groups]


def family_public(data: FamilyData) -> FamilyPublic:
    """The family view: the top units by preferred orientation, their coverage of the circle, and links onward."""
    model, layer, family = data.model, data.layer, data.family
    ranked = ranked_units(model, layer, data.units, data.score, data.curves.get(layer.name, {}), data.examples)
    units = by_orientation(ranked)
    circuit_url, circuit_layers = _circuit(data, units)
    held = set().union(*(u.scores for u in data.units))
    at, top = {"model": model.id, "layer": layer.name}, {"top": _top(data.top)}
    return FamilyPublic(
        model=model.id,
        layer=layer.name,
        family=family,
        score=public(ScoreDefinitionPublic, data.score),
        top=data.top,
        units=units,
        unoriented=sum(u.orientation is None for u in units),
        weak=weak(units, data.score),
        coverage=coverage(*selective_orientations(units)),
        score_definitions=score_definitions(u.scores for u in data.units),
        circuit_url=circuit_url,
        circuit_layers=circuit_layers,
        families=family_links(held, lambda name: urls.path(routes.FAMILY, top, **at, family=name)),
        compare_url=urls.path(routes.COMPARE, {"family": family}),
        experiment_url=_removal_url(data),
        membership=membership(family, layer.name, data.count),
        layer_url=urls.path(routes.LAYER, **at),
        url=urls.path(routes.FAMILY, top, **at, family=family),
        api_url=urls.path(routes.API_FAMILY, top, **at, family=family),
    )


def _removal_url(data: FamilyData) -> str | None:
    """The page of the family's removal, the experiment precompute runs on its FAMILY_TOP members (None: the store
    keeps no experiments, or the page lists another number of them)."""
    if not data.experiments or data.top != FAMILY_TOP or not data.units:
        return None
    removal = Experiment(ABLATE, data.layer.name, tuple(u.unit for u in data.units))
    return urls.path(routes.EXPERIMENT, model=data.model.id, spec=str(removal))


def _top(top: int, default: int = TOP) -> int | None:
    return None if top == default else top


def sparklines(units: Iterable[FamilyUnitPublic]) -> dict[str, Markup]:
    """Each unit's orientation curve as a polar sparkline, by the unit's API URL (units without a curve: none)."""
    return {u.api_url: _sparkline(u) for u in units if u.curve is not None}


def _sparkline(unit: FamilyUnitPublic) -> Markup:
    assert unit.curve is not None  # sparklines() draws only the units with a curve
    preferring = f", preferring {unit.orientation:.0f}°" if unit.orientation is not None else ""
    label = f"{unit.ref}: response by orientation{preferring}"
    return polar_sparkline(unit.curve.orientation, unit.curve.values, preferred=unit.orientation, label=label)
