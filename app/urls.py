"""The only place URL paths are formatted: pages, their JSON twins, unit references and assets, from `app.routes`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, urlencode

from app import routes
from app.routes import Route
from store.paths import asset_key
from store.records import AssetRef

API = routes.API
# Where asset URLs point while a request is answered: None for this service's /assets, else a static host's base URL
# (MICROSCOPE_ASSET_BASE_URL). Set per request by app.asset_host, so presenters build URLs without being told.
_ASSET_BASE: ContextVar[str | None] = ContextVar("asset_base", default=None)


def _seg(value: str | int) -> str:
    return quote(str(value), safe="")


def _path(route: Route, **params: str | int) -> str:
    return route.format(**{name: _seg(value) for name, value in params.items()})


def _query(path: str, safe: str = "", **params: str | None) -> str:
    given = {name: value for name, value in params.items() if value is not None}
    return f"{path}?{urlencode(given, safe=safe)}" if given else path


def _ref(ref: str) -> str:
    # A unit reference keeps its ':' (and the '@' of 'model@layer:unit') readable in the address bar.
    return quote(ref, safe=":@")


def index() -> str:
    """The model list."""
    return _path(routes.INDEX)


def model_page(model: str) -> str:
    """A model's page."""
    return _path(routes.MODEL, model=model)


def layer_page(model: str, layer: str, **grid: str | None) -> str:
    """A layer's page: every unit as a grid (`grid`: its sort and filter parameters, app.grid)."""
    return _query(_path(routes.LAYER, model=model, layer=layer), **grid)


def branches_page(model: str, layer: str) -> str:
    """A concatenating layer's units grouped by branch, with their scores and hand-label families."""
    return _path(routes.BRANCHES, model=model, layer=layer)


def unit_page(model: str, layer: str, unit: int) -> str:
    """A unit's canonical page."""
    return _path(routes.UNIT, model=model, layer=layer, unit=unit)


def layer_weights_page(model: str, layer: str) -> str:
    """The page of the weights into a layer from its previous layer: download and SVD."""
    return _path(routes.LAYER_WEIGHTS, model=model, layer=layer)


def unit_ref_redirect(model: str, ref: str) -> str:
    """A unit reference ('layer:unit' or an alias) that redirects to the canonical unit page."""
    return routes.UNIT_REF.format(model=_seg(model), ref=_ref(ref))


def unit_search(model: str, ref: str | None = None) -> str:
    """The search form's target on a model's pages (with `ref` when given)."""
    return _query(_path(routes.UNIT_SEARCH, model=model), ref=ref)


def search(q: str | None = None) -> str:
    """The site-wide search: unit refs, layers, models, classes and hand labels."""
    return _query(_path(routes.SEARCH), q=q)


def api_search(q: str | None = None) -> str:
    """The site-wide search's results as JSON."""
    return _query(_path(routes.API_SEARCH), q=q)


def api_search_suggest(q: str | None = None) -> str:
    """The search box's suggestions for `q` (the top results), as JSON."""
    return _query(_path(routes.API_SEARCH_SUGGEST), q=q)


def api_root() -> str:
    """The API root: format version and models."""
    return _path(routes.API_ROOT)


def api_models() -> str:
    """The model list as JSON."""
    return _path(routes.API_MODELS)


def api_model(model: str) -> str:
    """A model as JSON."""
    return _path(routes.API_MODEL, model=model)


def api_layer(model: str, layer: str, **grid: str | None) -> str:
    """A layer as JSON (`grid`: its sort and filter parameters, app.grid)."""
    return _query(_path(routes.API_LAYER, model=model, layer=layer), **grid)


def api_branches(model: str, layer: str) -> str:
    """A concatenating layer's branches as JSON."""
    return _path(routes.API_BRANCHES, model=model, layer=layer)


def api_unit(model: str, layer: str, unit: int) -> str:
    """A unit as JSON."""
    return _path(routes.API_UNIT, model=model, layer=layer, unit=unit)


def api_layer_weights(model: str, layer: str) -> str:
    """The weights into a layer as JSON: the tensor's metadata, download URL and SVD."""
    return _path(routes.API_LAYER_WEIGHTS, model=model, layer=layer)


def api_unit_weights(model: str, layer: str, unit: int) -> str:
    """A unit's full row (inputs) and column (outputs) of the stored weights, as JSON."""
    return _path(routes.API_UNIT_WEIGHTS, model=model, layer=layer, unit=unit)


def api_layer_units_jsonl(model: str, layer: str) -> str:
    """A layer's units as JSON Lines, one unit a line with the layer API's fields."""
    return _path(routes.API_LAYER_UNITS_JSONL, model=model, layer=layer)


def api_layer_units_parquet(model: str, layer: str) -> str:
    """A layer's units as a Parquet table."""
    return _path(routes.API_LAYER_UNITS_PARQUET, model=model, layer=layer)


def api_layer_feature_vis_zip(model: str, layer: str) -> str:
    """A zip of a layer's channel visualizations, with a manifest.json."""
    return _path(routes.API_LAYER_FEATURE_VIS_ZIP, model=model, layer=layer)


def api_unit_ref_redirect(model: str, ref: str) -> str:
    """A unit reference that redirects to the canonical unit JSON."""
    return routes.API_UNIT_REF.format(model=_seg(model), ref=_ref(ref))


def unit_note(model: str, layer: str, unit: int) -> str:
    """Where the unit page's note form posts."""
    return _path(routes.UNIT_NOTE, model=model, layer=layer, unit=unit)


def api_unit_note(model: str, layer: str, unit: int) -> str:
    """A unit's note as JSON (written with an instructor's bearer token)."""
    return _path(routes.API_UNIT_NOTE, model=model, layer=layer, unit=unit)


def _page(number: int | None) -> str | None:
    return str(number) if number is not None and number > 1 else None


def notes_history(page: int | None = None) -> str:
    """The audit trail of every note's edits, newest first (page 1 unless `page` says otherwise)."""
    return _query(_path(routes.NOTES_HISTORY), page=_page(page))


def api_notes_history(page: int | None = None) -> str:
    """The audit trail of every note's edits as JSON."""
    return _query(_path(routes.API_NOTES_HISTORY), page=_page(page))


def unit_note_history(model: str, layer: str, unit: int, page: int | None = None) -> str:
    """The audit trail of a unit's note."""
    return _query(_path(routes.UNIT_NOTE_HISTORY, model=model, layer=layer, unit=unit), page=_page(page))


def api_unit_note_history(model: str, layer: str, unit: int, page: int | None = None) -> str:
    """The audit trail of a unit's note as JSON."""
    return _query(_path(routes.API_UNIT_NOTE_HISTORY, model=model, layer=layer, unit=unit), page=_page(page))


def instructor(next_page: str | None = None) -> str:
    """The instructor sign-in form, returning to `next_page` (a path of this site) afterwards."""
    return _query(routes.INSTRUCTOR.path, safe="/", next=next_page)


def instructor_logout() -> str:
    """Where the sign-out form posts."""
    return routes.INSTRUCTOR_LOGOUT.path


def tours() -> str:
    """Every tour (and, for an instructor, the form that saves a tour file)."""
    return _path(routes.TOURS)


def api_tours() -> str:
    """Every tour as JSON."""
    return _path(routes.API_TOURS)


def tour_page(slug: str) -> str:
    """A tour: its stops with their images and captions."""
    return _path(routes.TOUR, slug=slug)


def api_tour(slug: str) -> str:
    """A tour as JSON (written with an instructor's bearer token)."""
    return _path(routes.API_TOUR, slug=slug)


def tour_present(slug: str, stop: int | None = None) -> str:
    """A tour's presentation mode, at stop `stop` (1-based) when given."""
    path = _path(routes.TOUR_PRESENT, slug=slug)
    return f"{path}#stop-{stop}" if stop else path


def tour_edit(slug: str) -> str:
    """The instructor's editor of a tour (a new one when the slug is free)."""
    return _path(routes.TOUR_EDIT, slug=slug)


def tour_delete(slug: str) -> str:
    """Where the tour's delete form posts."""
    return _path(routes.TOUR_DELETE, slug=slug)


def tour_history(slug: str, page: int | None = None) -> str:
    """The audit trail of a tour's edits, newest first."""
    return _query(_path(routes.TOUR_HISTORY, slug=slug), page=_page(page))


def api_tour_history(slug: str, page: int | None = None) -> str:
    """The audit trail of a tour's edits as JSON."""
    return _query(_path(routes.API_TOUR_HISTORY, slug=slug), page=_page(page))


@contextmanager
def asset_base(base: str | None) -> Iterator[None]:
    """Inside the block, assets are at `base` + their key (`ab/ab….png`, as `microscope assets sync` lays them out)."""
    token = _ASSET_BASE.set(base.rstrip("/") if base else None)
    try:
        yield
    finally:
        _ASSET_BASE.reset(token)


def asset(ref: AssetRef) -> str:
    """A content-addressed file (image or tensor): at the static host when one is set, else at this service."""
    base = _ASSET_BASE.get()
    if base is not None:
        return f"{base}/{asset_key(ref.sha256, ref.ext)}"
    return _path(routes.ASSET, sha256=ref.sha256, ext=ref.ext)


def maybe_asset(ref: AssetRef | None) -> str | None:
    """The asset's URL, or None when there is no asset."""
    return asset(ref) if ref is not None else None


def static(path: str) -> str:
    """A static file of the frontend (CSS, JS)."""
    return f"{routes.STATIC.path}/{path}"


def circuit_units(groups: Sequence[tuple[str, Sequence[int]]]) -> str:
    """A circuit's `units` value: 'mixed3b:379,385;mixed4a:12', layer by layer in forward order."""
    return ";".join(f"{layer}:{','.join(str(u) for u in units)}" for layer, units in groups)


def _circuit(
    route: Route, model: str, groups: Sequence[tuple[str, Sequence[int]]], order: str | None, page: int = 1
) -> str:
    # ':', ',' and ';' stay readable: the address bar shows the unit list as it is typed.
    query = "units=" + quote(circuit_units(groups), safe=":,;")
    if order and order != "given":
        query += "&order=" + quote(order, safe="")
    if page > 1:
        query += f"&page={page}"
    return f"{_path(route, model=model)}?{query}"


def circuit_page(
    model: str, groups: Sequence[tuple[str, Sequence[int]]], order: str | None = None, page: int = 1
) -> str:
    """A circuit's page (of its grids' rows, app.circuit.KERNELS_PER_PAGE a grid): the kernels between units of
    consecutive layers, as grids."""
    return _circuit(routes.CIRCUIT, model, groups, order, page)


def api_circuit(model: str, groups: Sequence[tuple[str, Sequence[int]]], order: str | None = None) -> str:
    """A circuit as JSON."""
    return _circuit(routes.API_CIRCUIT, model, groups, order)


def circuit_card(model: str, units: str) -> str:
    """A circuit's link-preview card, for its canonical `units` value (the order does not change what it shows)."""
    return f"{_path(routes.CIRCUIT_CARD, model=model)}?units={quote(units, safe=':,;')}"


def model_card(model: str) -> str:
    """A model's link-preview card."""
    return _path(routes.MODEL_CARD, model=model)


def layer_card(model: str, layer: str) -> str:
    """A layer's link-preview card."""
    return _path(routes.LAYER_CARD, model=model, layer=layer)


def unit_card(model: str, layer: str, unit: int) -> str:
    """A unit's link-preview card (drawn from its images when the store holds none)."""
    return _path(routes.UNIT_CARD, model=model, layer=layer, unit=unit)


def family_page(model: str, layer: str, family: str, top: int | None = None) -> str:
    """A layer's units that score highest for a feature family, laid out by preferred orientation."""
    return _query(_path(routes.FAMILY, model=model, layer=layer, family=family), top=_top(top))


def api_family(model: str, layer: str, family: str, top: int | None = None) -> str:
    """A layer's family view as JSON."""
    return _query(_path(routes.API_FAMILY, model=model, layer=layer, family=family), top=_top(top))


def _models(models: Sequence[str] | None) -> str | None:
    # The model list keeps its commas readable: ?models=a,b (model ids hold no commas).
    return ",".join(models) if models else None


def _top(top: int | None) -> str | None:
    return None if top is None else str(top)


def compare_page(family: str, models: Sequence[str] | None = None, top: int | None = None) -> str:
    """A feature family across models (every stored one when `models` is None)."""
    return _query(_path(routes.COMPARE), ",", family=family, models=_models(models), top=_top(top))


def api_compare(family: str, models: Sequence[str] | None = None, top: int | None = None) -> str:
    """A feature family across models, as JSON."""
    return _query(_path(routes.API_COMPARE), ",", family=family, models=_models(models), top=_top(top))


def probe_page(model: str, layer: str | None = None) -> str:
    """A model's probe page: upload an image, see the units of a layer that fire most on it."""
    return _query(_path(routes.PROBE, model=model), layer=layer)


def api_probe(model: str) -> str:
    """A model's probe as JSON: GET the form's facts, POST an image."""
    return _path(routes.API_PROBE, model=model)


def findings_page(model: str) -> str:
    """A model's findings: the course's phenomena measured on it, each passed or failed."""
    return _path(routes.FINDINGS, model=model)


def api_findings(model: str) -> str:
    """A model's findings as JSON."""
    return _path(routes.API_FINDINGS, model=model)
