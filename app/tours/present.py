"""Tours as the app shows them: which tours this store can show, the lookup that 404s, their presenters, and the
check of a tour to save against the limits and the store.

Stops are resolved against the store with one reader query per layer they touch (`reader.units`); a stop whose
model, layer, unit or circuit the store lacks is shown as "not in this store", never an error, and so is a stop
saved before a check was added (a unit number of 5,000 digits). A tour to save is refused (422) when a stop names a
layer or unit that a model this store holds lacks; stops of models it does not hold are kept (tours span stores).
Each stop's claims are judged on the store (`store.measures` measures, `notes.claim_check` judges: six queries a
model; an experiment stop's on its stored experiment, app.tours.experiments: one query a model) and its caption's
placeholders filled from the same measurements; a claim that fails is a warning, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from app import routes, urls
from app.circuit import present as circuit_view
from app.circuit import query as circuit
from app.circuit.present import Grid
from app.deps import Reader, check_unit, find_layer, get_reader
from app.experiments.schemas import ExperimentPublic
from app.families.pictures import BETTER, choose_picture
from app.notes.instructors import Notes
from app.tours import experiments as shown_experiments
from app.tours.schemas import (
    ClaimPublic,
    TourImagePublic,
    TourPublic,
    ToursPublic,
    TourStopPublic,
    TourSummaryPublic,
)
from app.units.present import EVIDENCE_STRIP
from app.web.errors import NotFound
from notes import claim_check, tour_file, tours
from notes.book import NotesBook
from notes.claim_check import Experiments, ModelFacts, NoFacts, Verdict
from notes.render import note_html
from notes.tour_file import MAX_ERRORS, StopFile, TourFile, TourLimits
from notes.tours import Tour
from store.measures import model_measures
from store.reader import StoreReader
from store.records import AssetRef, ModelView, UnitSummary


def showable(book_tours: Sequence[Tour], models: Sequence[ModelView]) -> list[Tour]:
    """The tours to list: every saved tour, and the shipped ones whose models are all in the store."""
    ids = {m.id for m in models}
    return [t for t in book_tours if not t.shipped or all(s.model in ids for s in t.stops)]


def tour_list(book: Notes, reader: Reader) -> list[Tour]:
    """The tours this store can show, by slug."""
    return showable(tours.every(book), reader.models())


def tour_or_404(slug: str, book: Notes, reader: Reader) -> Tour:
    """The tour `slug`, or a 404 naming the tours there are."""
    found = tour_list(book, reader)
    for tour in found:
        if tour.slug == slug:
            return tour
    raise no_tour(slug, found)


def no_tour(slug: str, found: Sequence[Tour]) -> NotFound:
    """The 404 of a tour `slug` that is not among `found`, naming and linking those that are."""
    names = ", ".join(t.slug for t in found) or "none yet"
    return NotFound(
        f"no tour {slug!r}; tours: {names}", [(t.title, urls.path(routes.TOUR, slug=t.slug)) for t in found]
    )


TourDep = Annotated[Tour, Depends(tour_or_404)]


def summary_public(tour: Tour) -> TourSummaryPublic:
    """A tour as the list shows it."""
    return TourSummaryPublic(
        slug=tour.slug, title=tour.title, description=tour.description, author=tour.author, updated=tour.updated,
        stops=len(tour.stops), shipped=tour.shipped, url=urls.path(routes.TOUR, slug=tour.slug),
        api_url=urls.path(routes.API_TOUR, slug=tour.slug), present_url=urls.tour_present(tour.slug),
    )  # fmt: skip


def tours_public(found: Sequence[Tour]) -> ToursPublic:
    """The tour list."""
    return ToursPublic(
        tours=[summary_public(t) for t in found], url=urls.path(routes.TOURS), api_url=urls.path(routes.API_TOURS)
    )


UnitKey = tuple[str, str, int]  # model id, layer name, unit


class _Units:
    """The store's units of each layer a tour touches, fetched once per layer."""

    def __init__(self, reader: StoreReader, labels: Mapping[UnitKey, str] | None = None) -> None:
        self.reader = reader
        self.labels = labels or {}  # instructors' labels, for the units the store has no hand label of
        self.models = {m.id: m for m in reader.models()}
        self.layers: dict[tuple[str, str], dict[int, UnitSummary]] = {}

    def of(self, model: str, layer: str) -> dict[int, UnitSummary]:
        key = (model, layer)
        if key not in self.layers:
            self.layers[key] = {u.unit: u for u in self.reader.units(model, layer, pictures=BETTER)}
        return self.layers[key]

    def images(self, model: str, groups: Sequence[tuple[str, Sequence[int]]]) -> list[TourImagePublic | None]:
        """Each unit of the (layer, units) groups as a stop shows it, with its top examples' crops (one query for
        them all); None for a unit the store lacks."""
        crops = self.reader.examples_of(model, {layer: list(units) for layer, units in groups}, EVIDENCE_STRIP)
        return [self._image(model, layer, u, crops[layer].get(u, [])) for layer, units in groups for u in units]

    def _image(self, model: str, layer: str, unit: int, crops: Sequence[AssetRef]) -> TourImagePublic | None:
        found = self.of(model, layer).get(unit)
        if found is None:
            return None
        picture = choose_picture(found)
        url = urls.path(routes.UNIT, model=model, layer=layer, unit=unit)
        examples = [urls.asset(crop) for crop in crops]
        label = found.label or self.labels.get((model, layer, unit))
        return TourImagePublic(
            ref=f"{layer}:{unit}",
            label=label,
            image_url=picture.url,
            image_kind=picture.kind,
            image_transparent=picture.transparent,
            examples=examples,
            url=url,
        )


def claim_public(verdict: Verdict) -> ClaimPublic:
    """A claim with its verdict on the served store."""
    claim = verdict.claim
    return ClaimPublic(
        claim=claim.text, kind=claim.kind, unit=claim.unit, status=verdict.status, measured=verdict.measured
    )


@dataclass(frozen=True)
class _Checked:
    """A stop's caption filled from the store, and its claims' verdicts."""

    caption: str
    claims: list[ClaimPublic]

    @classmethod
    def of(cls, stop: StopFile, facts: ModelFacts, experiments: Experiments | None = None) -> _Checked:
        verdicts = claim_check.check_stop(stop, facts, experiments) if stop.problem is None else []
        caption = claim_check.fill(stop, facts, experiments) if stop.problem is None else stop.caption
        return cls(caption, [claim_public(v) for v in verdicts])

    def fields(self, stop: StopFile) -> dict:
        failing = sum(c.status == "fails" for c in self.claims)
        return {"caption": stop.caption, "caption_filled": self.caption, "caption_html": note_html(self.caption),
                "claims": self.claims, "failing": failing}  # fmt: skip


def _missing(stop: StopFile, number: int, slug: str, why: str, checked: _Checked) -> TourStopPublic:
    return TourStopPublic(
        number=number, kind=stop.kind, target=f"{stop.model}/{stop.target}", model=stop.model,
        title=stop.written, found=False, missing=why, images=[], url=None, api_url=None,
        present_url=urls.tour_present(slug, number), **checked.fields(stop),
    )  # fmt: skip


def _found(
    stop: StopFile,
    number: int,
    slug: str,
    title: str,
    images: list[TourImagePublic],
    links: tuple[str, str],
    checked: _Checked,
    experiment: ExperimentPublic | None = None,
) -> TourStopPublic:
    panel = shown_experiments.experiment_panel(experiment) if experiment else None
    return TourStopPublic(
        number=number, kind=stop.kind, target=f"{stop.model}/{stop.target}", model=stop.model, title=title,
        found=True, missing=None, images=images, experiment=panel, url=links[0], api_url=links[1],
        present_url=urls.tour_present(slug, number), **checked.fields(stop),
    )  # fmt: skip


def _experiment_stop(
    stop: StopFile, number: int, slug: str, units: _Units, model: ModelView, shown: dict[str, ExperimentPublic]
) -> TourStopPublic:
    """An experiment stop: its stored experiment's panel and edited units, or why the store cannot show it."""
    checked = _Checked.of(stop, NoFacts(), shown_experiments.measures({model.id: shown}).get(model.id))
    found = shown.get(stop.target)
    if found is None:
        return _missing(stop, number, slug, shown_experiments.missing_experiment(stop, model), checked)
    images = [i for i in units.images(model.id, [(found.layer, found.units)]) if i is not None]
    links = (found.url, found.api_url)
    return _found(stop, number, slug, found.title, images, links, checked, found)


def stop_public(
    stop: StopFile,
    number: int,
    slug: str,
    units: _Units,
    facts: ModelFacts,
    shown: Mapping[str, dict[str, ExperimentPublic]] | None = None,
) -> TourStopPublic:
    """A stop resolved against the store (a "not in this store" stop when it lacks the model, layer, unit or
    experiment, or when the stop, saved before a check was added, is not valid), its caption filled and its claims
    checked (an experiment stop's on `shown`, the stops' stored experiments by model then spec)."""
    model = units.models.get(stop.model)
    if stop.problem is None and model is not None and stop.kind == "experiment":
        return _experiment_stop(stop, number, slug, units, model, (shown or {}).get(model.id, {}))
    checked = _Checked.of(stop, facts)
    if stop.problem is not None:
        return _missing(stop, number, slug, f"not a valid stop: {stop.problem}", checked)
    if model is None:
        return _missing(stop, number, slug, f"model {stop.model!r} is not in this store", checked)
    if stop.kind == "unit":
        layer, unit = stop.layer_unit
        image = units.images(model.id, [(layer, [unit])])[0] if any(lv.name == layer for lv in model.layers) else None
        if image is None:
            return _missing(stop, number, slug, f"{layer}:{unit} is not in this store's {model.id}", checked)
        title = f"{layer}:{unit}" + (f" · {image.label}" if image.label else "")
        links = (
            urls.path(routes.UNIT, model=model.id, layer=layer, unit=unit),
            urls.path(routes.API_UNIT, model=model.id, layer=layer, unit=unit),
        )
        return _found(stop, number, slug, title, [image], links, checked)
    try:
        query = circuit.parse(model, stop.target)
    except HTTPException as error:  # BadCircuit, or the 404 of a layer or unit it lacks
        return _missing(stop, number, slug, f"this store cannot show the circuit: {error.detail}", checked)
    images = units.images(model.id, query.groups)
    title = "Circuit " + " → ".join(query.layers)
    shown = [i for i in images if i is not None]
    return _found(stop, number, slug, title, shown, (query.url, query.api_url), checked)


def circuit_grids(tour: Tour, reader: StoreReader) -> dict[int, list[Grid]]:
    """The kernel grids of each circuit stop the store can show (its first page of rows), by stop number: the tour's
    pages draw them under the stop's units, as the circuit page does; the JSON links the circuit's own JSON."""
    models = {m.id: m for m in reader.models()}
    found: dict[int, list[Grid]] = {}
    for number, stop in enumerate(tour.stops, 1):
        model = models.get(stop.model)
        if stop.kind != "circuit" or stop.problem is not None or model is None:
            continue
        try:
            query = circuit.parse(model, stop.target)
            found[number] = circuit_view.grids(
                circuit_view.circuit_public(circuit_view.load(reader, model, query), query.rows)
            )
        except HTTPException:  # what the stop shows as not in this store
            continue
    return found


def tour_facts(stops: Sequence[StopFile], reader: StoreReader) -> dict[str, ModelFacts]:
    """What the store measured of the units the stops' claims and placeholders name, by model (six queries a
    model; none for a tour that claims and quotes nothing)."""
    wanted = claim_check.wanted_units(stops)
    return {model: model_measures(reader, model, layers) for model, layers in wanted.items()}


def instructor_labels(book: NotesBook) -> dict[UnitKey, str]:
    """Every instructor's label, by (model, layer, unit) (one query of the notes database)."""
    return {(note.model, note.layer, note.unit): note.label for note in book.notes() if note.label}


def tour_public(tour: Tour, reader: StoreReader, labels: Mapping[UnitKey, str] | None = None) -> TourPublic:
    """A tour with its stops resolved against the store (one query per layer the stops touch) and its claims checked
    (`tour_facts`); each unit labelled by its hand label, else by its instructor's (`labels`)."""
    units, facts = _Units(reader, labels), tour_facts(tour.stops, reader)
    shown = shown_experiments.tour_experiments(tour.stops, reader, units.models)
    stops = [
        stop_public(s, i + 1, tour.slug, units, facts.get(s.model, NoFacts()), shown) for i, s in enumerate(tour.stops)
    ]
    summary = summary_public(tour).model_dump()
    return TourPublic(
        **summary, created=tour.created, description_html=note_html(tour.description), stop_list=stops,
        index_url=urls.path(routes.TOURS),
    )  # fmt: skip


class StopsNotInStore(ValueError):
    """A tour to save whose stops name layers or units that models this store holds lack (answered 422)."""

    status_code = 422


def store_problem(stop: StopFile, models: dict[str, ModelView]) -> str | None:
    """What a valid stop names that its model in this store lacks (a layer, a unit out of range, a circuit it cannot
    show), or None, also when the store does not hold the model."""
    model = models.get(stop.model)
    if model is None:
        return None
    try:
        if stop.kind == "experiment":
            return shown_experiments.spec_problem(stop, model)
        if stop.kind == "circuit":
            circuit.parse(model, stop.target)
        else:
            layer, unit = stop.layer_unit
            check_unit(model, find_layer(model, layer), unit)
    except HTTPException as error:  # the 404 of a layer or unit, or the 400 of a circuit, naming what there is
        return str(error.detail)
    return None


@dataclass(frozen=True)
class TourCheck:
    """What a tour to save is checked against: the service's tour limits and the served store."""

    limits: TourLimits
    reader: StoreReader

    def in_store(self, tour: TourFile) -> TourFile:
        """`tour`, if every stop on a model this store holds names its layers and units; StopsNotInStore if not."""
        models = {m.id: m for m in self.reader.models()}  # one query, whatever the number of stops
        found = [(i, p) for i, s in enumerate(tour.stops, 1) if (p := store_problem(s, models)) is not None]
        if found:
            lines = [f"stop {i} ({tour.stops[i - 1].written}): {why}" for i, why in found[:MAX_ERRORS]]
            lines += [f"… and {len(found) - MAX_ERRORS} more"] if len(found) > MAX_ERRORS else []
            raise StopsNotInStore("the tour names what this store lacks:\n  " + "\n  ".join(lines))
        return tour

    def parse(self, text: str, source: str) -> TourFile:
        """The tour of a tour file, within the limits and in the store; a ValueError (400, or 422 for the store)."""
        return self.in_store(tour_file.parse(text, source, self.limits))

    def body(self, tour: TourFile) -> TourFile:
        """A tour sent as JSON, within the stop limit and in the store; a 422 naming what is wrong otherwise."""
        try:
            return self.in_store(tour_file.within(tour, self.limits, "the tour"))
        except ValueError as error:
            raise HTTPException(422, str(error)) from None


def tour_check(request: Request) -> TourCheck:
    """The check of tours to save, with this service's limits (`MICROSCOPE_LIMIT_TOUR_*`) and store."""
    return TourCheck(request.app.state.settings.limits, get_reader(request))


def checked_body(tour: TourFile, request: Request) -> TourFile:
    """The tour a request's JSON body holds, checked: the dependency of a route whose body is a tour to save."""
    return tour_check(request).body(tour)


CheckedTour = Annotated[TourFile, Depends(checked_body)]
