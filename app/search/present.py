"""Site-wide search over unit refs, layer names, model ids and titles, class names, hand labels, instructors'
notes, tours and measured scores' names, ranked.

Ranking: each result matches the query (any case) as `exact` (the whole ref, name, title, class or label; a layer's
shorthand like '4B' for 'mixed4b' counts as exact), as a `prefix` or as a `substring`; the hand-labelled units of an
exactly matched layer follow as `related`. A measured score's name, title or family ('curve', 'curves', 'black &
white'; exactly or as a prefix of at least three characters) lists the store's units with its highest values, in
that tier; a family's (or its score's) name lists first the family page of each layer that holds the score. Results
sort by tier, then by source in the order of `SOURCES` (unit refs, family pages, models, layers, classes, hand labels,
notes, tours, scores), then in store order (model id, layer in forward order, unit), but a score's units by value,
ties (`SCORE_TIES`) by the larger absolute response to the family's stimuli where the store keeps that evidence, then
by unit number. A page reached twice (a unit matched by its ref and by its label) is kept once, at its best rank.
A unit is captioned by its hand label, else by its instructor's label (marked so: `label_source`), and shown with
its first top dataset examples' crops.

`load` fetches everything in at most four reader queries (the models with their layers, every hand label, and
either the units of a branch a ref names or the top units of a score the query names, with the members per layer of
the family it ranks) and three queries of the
notes database (every instructor's note, every tour and their stops) whatever the query; the sources only rank.
`find` adds one more reader query for the page and the JSON (not the suggestions): the crops of every unit shown. To
search something new, add its data to `Corpus` (one query in `load`) and a function to `SOURCES`. The page, the
JSON and the suggestions all call `find`, so they agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from app import routes, urls
from app.search.schemas import SearchExamplePublic, SearchHitPublic, SearchPublic
from app.tours.present import showable
from app.units.present import EVIDENCE_STRIP, INSTRUCTOR
from app.web.limits import setting
from notes.book import NotesBook
from notes.db import NotesDatabaseError
from notes.tours import Tour, every, shipped
from store.reader import StoreReader
from store.records import AssetRef, FamilyCount, LayerView, ModelView, ScoredUnit, score_stage
from store.refs import UnitRef, resolve_layer
from store.scores import FAMILY_SCORES, SCORES, Score

log = logging.getLogger("microscope.app")
SEARCH_LIMIT = 50  # results on the page and in its JSON
SUGGEST_LIMIT = 8  # suggestions under the search box
SCORE_UNITS = 12  # units a score's name lists: the store's highest values of it
SCORE_PREFIX = 3  # the shortest prefix that names a score ('c' would name both curve and colour)
SCORE_TIES = (  # how a score's units that hold the same value are ordered (store.reader.StoreReader.top_scored)
    "ties by the larger absolute response to the family's stimuli (the unit's best stimulus response above its "
    "response to a blank image, where the store keeps that evidence), then by unit number"
)


class Match(IntEnum):
    """How well a result matched, best first."""

    EXACT = 0
    PREFIX = 1
    SUBSTRING = 2
    RELATED = 3


UnitKey = tuple[str, str, int]  # model id, layer name, unit


@dataclass(frozen=True)
class Corpus:
    """What search looks through: every model with its layers and classes, and every hand label."""

    models: list[ModelView]
    labels: dict[UnitKey, str]  # in store order
    branches: dict[tuple[str, str], list[UnitKey]] = field(default_factory=dict)  # (model, branch) → its units
    notes: dict[UnitKey, tuple[str, str]] = field(default_factory=dict)  # instructors' (label, Markdown body)
    tours: list[Tour] = field(default_factory=list)  # those this store can show (app.tours.present.showable)
    scored: list[ScoredUnit] = field(default_factory=list)  # the top units of the score the query names
    family: str | None = None  # the family the named score ranks: its members are captioned so
    counts: dict[tuple[str, str], FamilyCount] = field(default_factory=dict)  # its members per (model, layer)


@dataclass(frozen=True)
class Hit:
    """A result before presentation: the public fields and the rank it sorts by."""

    public: SearchHitPublic
    match: Match
    unit: UnitKey | None = None  # the unit it shows, if any: its crops are fetched once the results are ranked


Source = Callable[[str, Corpus], Iterable[Hit]]


def search_text(request: Request, q: str = "") -> str:
    """The query `q`; 422 when it is longer than `search_chars` (every source scans the store for it)."""
    limit = request.app.state.settings.limits.search_chars
    if len(q) > limit:
        raise HTTPException(
            422, f"a search of {len(q):,} characters is over the limit of {limit:,} ({setting('search_chars')})"
        )
    return q


SearchText = Annotated[str, Depends(search_text)]


def load(reader: StoreReader, query: str, book: NotesBook | None = None) -> Corpus:
    """Everything search needs: two queries, and a third when `query` is a ref to a layer no model stores (it may
    be an unstored branch of a concatenating layer, like 'mixed4b_1x1:2') or names a score, and a fourth when that
    score ranks a family (its members per layer); and three of `book`, the notes database (its notes and its tours;
    the shipped tours alone without it)."""
    stored = reader.models()
    labels = {(hit.model, hit.layer, hit.unit): hit.label for hit in reader.hand_labels()}
    branches: dict[tuple[str, str], list[UnitKey]] = {}
    ref = _parse(query)
    if ref is not None and not any(_shorthand(ref.layer, [layer.name for layer in m.layers]) for m in stored):
        for unit in reader.branch_units(ref.layer):
            branches.setdefault((unit.model or "", ref.layer), []).append((unit.model or "", unit.layer, unit.unit))
    named = named_score(query)
    family = family_of(named[0]) if named is not None else None
    scored = reader.top_scored(named[0].name, SCORE_UNITS, family) if named is not None else []
    counts = reader.family_counts(family) if family is not None else {}
    notes, tours = _from_notes(stored, book)
    return Corpus(stored, labels, branches, notes, showable(tours, stored), scored, family, counts)


def family_of(score: Score) -> str | None:
    """The family a score ranks, if any: its top units are then only the family's members (app.families.present)."""
    return next((family for family, of in FAMILY_SCORES.items() if of == score), None)


def _from_notes(stored: list[ModelView], book: NotesBook | None) -> tuple[dict[UnitKey, tuple[str, str]], list[Tour]]:
    """The notes of units the store holds (a note may outlive a store rebuilt without its unit), and every tour."""
    sizes = {(model.id, layer.name): layer.units for model in stored for layer in model.layers}
    try:
        found, tours = (book.notes(), every(book)) if book is not None else ([], list(shipped()))
    except NotesDatabaseError as error:  # search the store (and the shipped tours) without the database, not fail
        log.warning("%s", error)
        found, tours = [], list(shipped())
    notes = {(n.model, n.layer, n.unit): (n.label, n.body) for n in found if n.unit < sizes.get((n.model, n.layer), 0)}
    return notes, tours


def _parse(query: str) -> UnitRef | None:
    try:
        return UnitRef.parse(query)
    except ValueError:
        return None


def matching(query: str, text: str) -> Match | None:
    """How `text` matches `query` (any case), or None."""
    q, t = query.casefold(), text.casefold()
    if t == q:
        return Match.EXACT
    if t.startswith(q):
        return Match.PREFIX
    return Match.SUBSTRING if q in t else None


def _hit(match: Match, field: str, unit: UnitKey | None = None, **fields: str | None) -> Hit:
    return Hit(SearchHitPublic(match=match.name.lower(), field=field, **fields), match, unit)


def caption(corpus: Corpus, key: UnitKey) -> tuple[str, str | None]:
    """A unit's caption and where it comes from: its hand label ('hand'), else its instructor's label ('instructor'),
    else its number (None)."""
    _, layer, unit = key
    if corpus.labels.get(key):
        return corpus.labels[key], "hand"
    label = corpus.notes.get(key, ("", ""))[0]
    return (label, INSTRUCTOR) if label else (f"unit {unit} of {layer}", None)


def unit_hit(corpus: Corpus, key: UnitKey, match: Match, field: str, measured: str = "") -> Hit:
    """A unit, captioned with its hand label or else its instructor's label when it has one (after `measured`, a
    score's value, when given)."""
    model, layer, unit = key
    ref = UnitRef(layer, unit, model).qualified
    label, source = caption(corpus, key)
    detail = f"{measured} · {label}" if measured else label
    url, api_url = (
        urls.path(routes.UNIT, model=model, layer=layer, unit=unit),
        urls.path(routes.API_UNIT, model=model, layer=layer, unit=unit),
    )
    fields = {"title": ref, "detail": detail, "query": ref, "model": model, "url": url, "api_url": api_url}
    return _hit(match, field, key, kind="unit", label_source=source, **fields)


def _layer_hit(model: ModelView, layer: LayerView, match: Match) -> Hit:
    title = f"{model.id}/{layer.name}"
    return _hit(
        match,
        "name",
        kind="layer",
        title=title,
        detail=f"{layer.units} units · {layer.kind} layer of {model.title}",
        query=title,
        model=model.id,
        url=urls.path(routes.LAYER, model=model.id, layer=layer.name),
        api_url=urls.path(routes.API_LAYER, model=model.id, layer=layer.name),
    )


def _ref_unit(corpus: Corpus, model: ModelView, ref: UnitRef) -> UnitKey | None:
    """The stored unit `ref` names in `model` (a shorthand, or a unit of an unstored branch), or None."""
    name = _shorthand(ref.layer, [layer.name for layer in model.layers])
    if name is None:  # 'mixed4b_1x1:2' when only mixed4b is stored: the third unit of that branch
        members = corpus.branches.get((model.id, ref.layer), [])
        return members[ref.unit] if ref.unit < len(members) else None
    units = next(layer.units for layer in model.layers if layer.name == name)
    return (model.id, name, ref.unit) if ref.unit < units else None


def unit_refs(query: str, corpus: Corpus) -> Iterator[Hit]:
    """'layer:unit', 'model/layer:unit' or a shorthand like '4b:409': the unit it names in each model that has it."""
    ref = _parse(query)
    if ref is None:
        return
    for model in corpus.models:
        key = _ref_unit(corpus, model, ref) if ref.model in (None, model.id) else None
        if key is not None:
            yield unit_hit(corpus, key, Match.EXACT, "ref")


def models(query: str, corpus: Corpus) -> Iterator[Hit]:
    """Models by id, else by title."""
    for model in corpus.models:
        by_id, by_title = matching(query, model.id), matching(query, model.title)
        best = min((m for m in (by_id, by_title) if m is not None), default=None)
        if best is not None:
            url, api_url = urls.path(routes.MODEL, model=model.id), urls.path(routes.API_MODEL, model=model.id)
            field = "name" if best == by_id else "title"
            yield _hit(
                best,
                field,
                kind="model",
                title=model.id,
                detail=model.title,
                query=model.id,
                model=model.id,
                url=url,
                api_url=api_url,
            )


def _shorthand(name: str, names: list[str]) -> str | None:
    """The layer `name` or its shorthand ('4b' for 'mixed4b') denotes among `names`, or None."""
    try:
        return resolve_layer(name, names)
    except KeyError:
        return None


def layers(query: str, corpus: Corpus) -> Iterator[Hit]:
    """Layers by name ('mixed4b', '4b', 'model/layer'); an exact match brings its hand-labelled units along."""
    model_id, _, name = query.rpartition("/")
    related: list[Hit] = []
    for model in corpus.models:
        if model_id and model_id != model.id:
            continue
        exact = _shorthand(name, [layer.name for layer in model.layers])
        for layer in model.layers:
            match = Match.EXACT if layer.name == exact else matching(name, layer.name)
            if match is None:
                continue
            yield _layer_hit(model, layer, match)
            if match == Match.EXACT:
                keys = [k for k in corpus.labels if k[:2] == (model.id, layer.name)]
                related += [unit_hit(corpus, key, Match.RELATED, "layer") for key in keys]
    yield from related


def classes(query: str, corpus: Corpus) -> Iterator[Hit]:
    """A model's classes by name, each linked to its output unit when the last layer has one unit per class."""
    for model in corpus.models:
        last = model.layers[-1] if model.layers else None
        logits = last is not None and last.units == len(model.class_labels)
        for number, name in enumerate(model.class_labels):
            match = matching(query, name)
            if match is None:
                continue
            if logits and last is not None:
                url, api_url = (
                    urls.path(routes.UNIT, model=model.id, layer=last.name, unit=number),
                    urls.path(routes.API_UNIT, model=model.id, layer=last.name, unit=number),
                )
            else:
                url, api_url = urls.path(routes.MODEL, model=model.id), urls.path(routes.API_MODEL, model=model.id)
            detail = f"class {number} of {model.id}"
            yield _hit(
                match,
                "class",
                kind="class",
                title=name,
                detail=detail,
                query=name,
                model=model.id,
                url=url,
                api_url=api_url,
            )


def hand_labels(query: str, corpus: Corpus) -> Iterator[Hit]:
    """Units whose hand label contains the query."""
    for key, label in corpus.labels.items():
        match = matching(query, label)
        if match is not None:
            yield unit_hit(corpus, key, match, "label")


def instructor_notes(query: str, corpus: Corpus) -> Iterator[Hit]:
    """Units whose instructor's label or note contains the query, ranked like hand labels (the label first)."""
    for key, (label, body) in corpus.notes.items():
        by_label, by_body = matching(query, label), matching(query, body)
        if by_label is not None or by_body is not None:
            best = min(m for m in (by_label, by_body) if m is not None)
            yield unit_hit(corpus, key, best, "note label" if best == by_label else "note")


def tours(query: str, corpus: Corpus) -> Iterator[Hit]:
    """Tours by title, else by description or a stop's caption (those match as substrings at best)."""
    for tour in corpus.tours:
        found = [(matching(query, tour.title), "title")]
        found += [(_within(query, text), field) for text, field in [(tour.description, "description")]]
        found += [(_within(query, stop.caption), "caption") for stop in tour.stops]
        best = min(((m, f) for m, f in found if m is not None), default=None, key=lambda pair: pair[0])
        if best is not None:
            detail = f"tour of {len(tour.stops)} stops by {tour.author}"
            url, api_url = urls.path(routes.TOUR, slug=tour.slug), urls.path(routes.API_TOUR, slug=tour.slug)
            model = tour.stops[0].model if tour.stops else ""
            fields = {"title": tour.title, "detail": detail, "query": tour.title, "model": model}
            yield _hit(best[0], best[1], kind="tour", url=url, api_url=api_url, **fields)


def named_score(query: str) -> tuple[Score, Match] | None:
    """The measured score `query` names by its name, title or family (exactly, or as a prefix of at least
    `SCORE_PREFIX` characters), and how; only scores whose high values mean more of something (not an angle)."""
    text = query.strip()
    found: list[tuple[Match, int, Score]] = []
    for order, score in enumerate(s for s in SCORES.values() if not s.unit):
        names = [score.name, score.title, *(family for family, of in FAMILY_SCORES.items() if of == score)]
        matches = [m for m in (matching(text, name) for name in names) if m is not None and m <= Match.PREFIX]
        if matches and (min(matches) == Match.EXACT or len(text) >= SCORE_PREFIX):
            found.append((min(matches), order, score))
    if not found:
        return None
    match, _, score = min(found, key=lambda item: item[:2])
    return score, match


def families(query: str, corpus: Corpus) -> Iterator[Hit]:
    """For a family's name or its score's ('curves', 'curve'): the family page of each layer that holds the score,
    before any unit, the layers with the most members first (ties in store order: model id, then layer in forward
    order); where the store keeps the members' evidence, only layers where some unit passed."""
    named = named_score(query)
    family = family_of(named[0]) if named is not None else None
    if named is None or family is None:
        return
    score, match = named
    held = [
        (model, layer)
        for model in corpus.models
        for layer in model.layers
        if score_stage(score.name) in layer.stages
        and (not corpus.counts or corpus.counts.get((model.id, layer.name), NO_MEMBERS).members > 0)
    ]
    for model, layer in sorted(held, key=lambda held: -_members(corpus, *held)):  # stable: store order for ties
        at = {"model": model.id, "layer": layer.name, "family": family}
        members = _members(corpus, model, layer)
        counted = f"{members} member{'' if members == 1 else 's'}, " if corpus.counts else ""
        detail = f"the {family} family of {layer.name}: {counted}laid out by preferred orientation"
        fields = {"title": f"{model.id}/{layer.name} {family}", "detail": detail, "query": query.strip()}
        url, api_url = urls.path(routes.FAMILY, **at), urls.path(routes.API_FAMILY, **at)
        yield _hit(match, "family", kind="family", model=model.id, url=url, api_url=api_url, **fields)


NO_MEMBERS = FamilyCount(0, 0, False)


def _members(corpus: Corpus, model: ModelView, layer: LayerView) -> int:
    return corpus.counts.get((model.id, layer.name), NO_MEMBERS).members


def scored_units(query: str, corpus: Corpus) -> Iterator[Hit]:
    """For a measured score's name ('curve', 'lines', 'black & white'): the store's units with its highest values,
    highest first, each captioned with its value; for a family's score, only the family's members where the store
    keeps their evidence, captioned so."""
    named = named_score(query)
    if named is None:
        return
    score, match = named
    for found in corpus.scored:
        member = f" · a {corpus.family} family member" if found.member else ""
        measured = f"{score.title} {found.value:.{score.digits}f}{member}"
        yield unit_hit(corpus, (found.model, found.layer, found.unit), match, "score", measured)


def _within(query: str, text: str) -> Match | None:
    return Match.SUBSTRING if query.casefold() in text.casefold() else None


# What search looks through, in the order that breaks ties between equally good matches.
SOURCES: tuple[Source, ...] = (
    unit_refs,
    families,
    models,
    layers,
    classes,
    hand_labels,
    instructor_notes,
    tours,
    scored_units,
)


def rank(query: str, corpus: Corpus) -> list[Hit]:
    """Every result for `query`, best first (the module docstring says how), each page once."""
    text = query.strip()
    if not text:
        return []
    found = [(hit.match, order, hit) for order, source in enumerate(SOURCES) for hit in source(text, corpus)]
    seen: set[str] = set()
    ranked: list[Hit] = []
    for _, _, hit in sorted(found, key=lambda item: (item[0], item[1])):  # stable: store order within a tier
        if hit.public.url not in seen:
            seen.add(hit.public.url)
            ranked.append(hit)
    return ranked


def examples(corpus: Corpus) -> list[str]:
    """Queries that find something in this store: a model, a layer, a unit ref and a hand label or class."""
    found: list[str] = []
    for model in corpus.models[:1]:
        found.append(model.id)
        if model.layers:
            layer = model.layers[-1]
            found += [f"{model.id}/{layer.name}", UnitRef(layer.name, 0, model.id).qualified]
        if model.class_labels:
            found.append(model.class_labels[0])
    found += list(dict.fromkeys(corpus.labels.values()))[:2]
    return found


Crops = Mapping[UnitKey, Sequence[AssetRef]]


def unit_crops(reader: StoreReader, hits: Iterable[Hit]) -> dict[UnitKey, list[AssetRef]]:
    """The crops of the first top dataset examples of every unit among `hits`, by unit (one query; none without a
    unit)."""
    chosen: dict[str, dict[str, list[int]]] = {}
    for hit in hits:
        if hit.unit is not None:
            model, layer, unit = hit.unit
            chosen.setdefault(model, {}).setdefault(layer, []).append(unit)
    if not chosen:
        return {}
    found = reader.examples_across(chosen, EVIDENCE_STRIP)
    return {(m, n, u): crops for m, of in found.items() for n, units in of.items() for u, crops in units.items()}


def _shown(hit: Hit, crops: Crops) -> SearchHitPublic:
    if hit.unit is None or not crops.get(hit.unit):
        return hit.public
    return hit.public.model_copy(update={"examples": [urls.asset(crop) for crop in crops[hit.unit]]})


def search_public(query: str, corpus: Corpus, hits: Sequence[Hit], limit: int, crops: Crops) -> SearchPublic:
    """The ranked results as the page and the JSON show them, each unit with its crops (those in `crops`), with
    example queries."""
    tries = [SearchExamplePublic(q=q, url=urls.path(routes.SEARCH, {"q": q})) for q in examples(corpus)]
    shown = [_shown(hit, crops) for hit in hits[:limit]]
    return SearchPublic(q=query.strip(), total=len(hits), limit=limit, hits=shown, examples=tries)


def find(reader: StoreReader, query: str, book: NotesBook | None, evidence: bool = True) -> SearchPublic:
    """The search for `query` as the page and the JSON show it: `load`'s queries, and with `evidence` one more for
    the crops of the units shown; without it, the first `SUGGEST_LIMIT` results, as the search box suggests them."""
    corpus = load(reader, query, book)
    hits = rank(query, corpus)
    if not evidence:
        return search_public(query, corpus, hits, SUGGEST_LIMIT, {})
    return search_public(query, corpus, hits, SEARCH_LIMIT, unit_crops(reader, hits[:SEARCH_LIMIT]))


def go_to(found: SearchPublic) -> str | None:
    """Where the page goes straight to: the one unit an exact ref names, or the one model an exact id names."""
    exact = [hit for hit in found.hits if hit.match == Match.EXACT.name.lower()]
    if len(exact) == 1 and (exact[0].field == "ref" or (exact[0].kind, exact[0].field) == ("model", "name")):
        return exact[0].url
    return None
