"""Universality: one feature family across models (`/compare?family=curves&models=a,b&top=4`) — in every layer of
each model whose units hold the family's score, the members (app.families.present) that score highest, with their
orientation curves; a layer where no unit passed the family's gate says so.

Queries: the models once, how many units of each layer passed the gate once, then three per model shown (its top
members per layer with their pictures in one, their curves in another, their top examples' crops in a third),
whatever the number of layers; and one of the notes database, for the instructors' labels of units without a hand
label. Parameters
answer 400 saying what they take; a model that is not stored, 404 naming those that are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query

from app import routes, urls
from app.deps import Reader
from app.families.membership import membership
from app.families.pictures import BETTER
from app.families.present import (
    CURVE,
    FAMILY_HELP,
    BadFamilyQuery,
    coverage,
    family_links,
    parse_top,
    ranked_units,
    selective_orientations,
    top_help,
    top_schema,
    weak,
)
from app.families.schemas import CompareLayerPublic, CompareModelPublic, ComparePublic
from app.notes.instructors import Notes
from app.schemas import ScoreDefinitionPublic
from app.units.present import EVIDENCE_STRIP, UnitKey, instructor_labelled, instructor_notes, public, score_definitions
from app.web.errors import NotFound
from notes.book import Note
from store.reader import StoreReader
from store.records import AssetRef, CurveView, FamilyCount, ModelView, UnitSummary
from store.scores import FAMILY_SCORES, Score

FAMILY = "curves"  # compared when none is named
TOP = 4  # units per layer
MAX_TOP = 16
MODELS_HELP = "model ids separated by commas (every stored model when empty or absent)"


@dataclass(frozen=True)
class ModelFamily:
    """What the store holds for one model of a comparison."""

    model: ModelView
    ranked: dict[str, list[UnitSummary]]  # by layer name in forward order, highest score first
    curves: dict[str, dict[int, CurveView]]
    examples: dict[str, dict[int, list[AssetRef]]]  # the ranked units' top examples' crops, by layer and unit


@dataclass(frozen=True)
class CompareData:
    """A comparison: the family, how many units per layer, and each model's data."""

    family: str
    score: Score
    top: int
    models: list[ModelFamily]
    named: bool  # whether the request named its models (the links keep them)
    counts: dict[tuple[str, str], FamilyCount] = field(default_factory=dict)  # members by (model, layer), if gated


def parse_family(text: str) -> tuple[str, Score]:
    """The family the `family` parameter names, or a 400 naming the families."""
    if text not in FAMILY_SCORES:
        raise BadFamilyQuery(f"family: unknown family {text[:40]!r}; families: {', '.join(FAMILY_SCORES)}")
    return text, FAMILY_SCORES[text]


def parse_models(text: str) -> list[str]:
    """The model ids of a comma-separated list, each once, in order (empty: every model)."""
    return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))


def choose_models(stored: Sequence[ModelView], names: Sequence[str]) -> list[ModelView]:
    """The named models in the order named (every stored one when none is), or a 404 naming the stored ones."""
    by_id = {m.id: m for m in stored}
    unknown = [name for name in names if name not in by_id]
    if unknown:
        ids = ", ".join(by_id) or "(none stored)"
        links = [(m, urls.path(routes.MODEL, model=m)) for m in by_id]
        raise NotFound(f"no model {', '.join(repr(n) for n in unknown)} in the store; models: {ids}", links)
    return [by_id[name] for name in names] if names else list(stored)


def load_compare(
    reader: StoreReader, family: str, models: str, top: int, notes: Mapping[UnitKey, Note] | None = None
) -> CompareData:
    """The comparison's data: one query for the models, one for the family's members per layer, three per model
    (its top units, their tuning curves, their top examples' crops); units without a hand label labelled by their
    instructor's note (`notes`)."""
    name, score = parse_family(family)
    names = parse_models(models)
    found = []
    chosen_models = choose_models(reader.models(), names)
    counts = reader.family_counts(name)
    for model in chosen_models:
        ranked = reader.units_scored(model.id, score.name, top, family=name, pictures=BETTER)
        ranked = {layer: _labelled(model, layer, units, notes or {}) for layer, units in ranked.items()}
        chosen = {layer: [u.unit for u in units] for layer, units in ranked.items()}
        curves = reader.curves_of(model.id, chosen, CURVE) if ranked else {}
        examples = reader.examples_of(model.id, chosen, EVIDENCE_STRIP) if ranked else {}
        found.append(ModelFamily(model, ranked, curves, examples))
    return CompareData(name, score, top, found, bool(names), counts)


def _labelled(
    model: ModelView, name: str, units: list[UnitSummary], notes: Mapping[UnitKey, Note]
) -> list[UnitSummary]:
    layer = next((layer for layer in model.layers if layer.name == name), None)
    return instructor_labelled(model, layer, units, notes) if layer is not None else units


FamilyText = Annotated[str, Query(description=FAMILY_HELP, json_schema_extra={"enum": list(FAMILY_SCORES)})]
ModelsText = Annotated[str, Query(description=MODELS_HELP)]


def _top_schema(schema: dict[str, Any]) -> None:
    schema.pop("type", None)
    schema.update(top_schema(MAX_TOP))


TopText = Annotated[str, Query(description=top_help(MAX_TOP) + " per layer", json_schema_extra=_top_schema)]


def get_compare(
    reader: Reader, book: Notes, family: FamilyText = FAMILY, models: ModelsText = "", top: TopText = ""
) -> CompareData:
    """The comparison the query names, with the instructors' labels."""
    return load_compare(reader, family, models, parse_top(top, TOP, MAX_TOP), instructor_notes(book))


CompareDep = Annotated[CompareData, Depends(get_compare)]


def _model(data: CompareData, found: ModelFamily) -> CompareModelPublic:
    model, layers = found.model, []
    for layer in model.layers:
        count = data.counts.get((model.id, layer.name))
        if layer.name not in found.ranked and count is None:
            continue
        ranked = found.ranked.get(layer.name, [])
        curves, crops = found.curves.get(layer.name, {}), found.examples.get(layer.name, {})
        units = ranked_units(model, layer, ranked, data.score, curves, crops)
        layers.append(
            CompareLayerPublic(
                name=layer.name,
                url=urls.path(routes.LAYER, model=model.id, layer=layer.name),
                family_url=urls.path(routes.FAMILY, model=model.id, layer=layer.name, family=data.family),
                units=units,
                weak=weak(units, data.score),
                coverage=coverage(*selective_orientations(units)),
                membership=membership(data.family, layer.name, count),
            )
        )
    return CompareModelPublic(
        id=model.id, title=model.title, url=urls.path(routes.MODEL, model=model.id), layers=layers
    )


def compare_public(data: CompareData) -> ComparePublic:
    """The comparison: per model, per layer holding the score, its top units highest first."""
    models = (",".join(found.model.id for found in data.models) or None) if data.named else None
    top = None if data.top == TOP else data.top
    return ComparePublic(
        family=data.family,
        score=public(ScoreDefinitionPublic, data.score),
        top=data.top,
        models=[_model(data, found) for found in data.models],
        score_definitions=score_definitions(
            u.scores for m in data.models for units in m.ranked.values() for u in units
        ),
        families=family_links(
            [s.name for s in FAMILY_SCORES.values()],
            lambda name: urls.path(routes.COMPARE, {"family": name, "models": models, "top": top}),
        ),
        url=urls.path(routes.COMPARE, {"family": data.family, "models": models, "top": top}),
        api_url=urls.path(routes.API_COMPARE, {"family": data.family, "models": models, "top": top}),
    )
