"""HTML pages at the same paths as their JSON under /api/v1, rendered from the same response models.

Here are the pages that show several resources at once: the index, a model, a layer (with its families), a unit (with
its circuits), the URLs that redirect to a unit, and a circuit (whose link preview is drawn by app.cards). A page of
one resource lives in its package (`app/branches/pages.py`, `app/families/pages.py`, …).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import routes, urls
from app.cards import previews
from app.circuit import present as circuit_view
from app.circuit import query as circuit
from app.deps import LayerDep, ModelDep, Reader, UnitDep, parse_unit, resolve_microscope_op, resolve_ref
from app.families.present import layer_families
from app.notes import instructors
from app.notes.instructors import Notes
from app.units.experiments import UnitEditsDep
from app.units.grid import GridDep
from app.units.present import (
    PREVIEW_UNITS,
    instructor_labelled,
    instructor_notes,
    layer_public,
    model_public,
    model_summary,
    unit_figures,
    unit_public,
)
from app.web.errors import NotFound
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.INDEX.path, name=routes.INDEX.name)
def index_page(request: Request, reader: Reader) -> Response:
    """Every stored model as a card."""
    models = [model_summary(m) for m in reader.models()]
    return render(request, "index.html", {"models": models, "json_url": urls.path(routes.API_ROOT)})


@router.get(routes.MODELS.path, name=routes.MODELS.name)
def models_page() -> RedirectResponse:
    """The model list lives at the root."""
    return RedirectResponse(urls.path(routes.INDEX), status_code=302)


@router.get(routes.MODEL.path, name=routes.MODEL.name)
def model_page(request: Request, reader: Reader, model_view: ModelDep) -> Response:
    """A model's layers in forward order, each with a strip of unit thumbnails."""
    model = model_public(model_view, reader.previews(model_view.id, PREVIEW_UNITS))
    probe_on = bool(request.app.state.settings.probe_url)
    context = {"model": model, "json_url": model.api_url, "probe_on": probe_on}
    context["preview"] = previews.model_preview(request, model_view)
    return render(request, "model.html", context)


@router.get(routes.LAYER.path, name=routes.LAYER.name)
def layer_page(request: Request, reader: Reader, book: Notes, ctx: LayerDep, grid: GridDep) -> Response:
    """Every unit of a layer as a grid of thumbnails, sorted and filtered as the query says (app.units.grid), those
    without a hand label labelled by their instructor's note."""
    units, weights = reader.units(ctx.model.id, ctx.layer.name), reader.weights(ctx.model.id, ctx.layer.name)
    units = instructor_labelled(ctx.model, ctx.layer, units, instructor_notes(book))
    layer = layer_public(ctx, units, weights, grid)
    families = layer_families(ctx.model, ctx.layer, units)
    context = {"model": ctx.model, "layer": layer, "families": families, "json_url": layer.grid.api_url}
    context["preview"] = previews.layer_preview(request, ctx)
    return render(request, "layer.html", context)


@router.get(routes.UNIT.path, name=routes.UNIT.name)
def unit_page(request: Request, ctx: UnitDep, book: Notes, edits: UnitEditsDep) -> Response:
    """A unit: feature visualizations, dataset examples, connections, its instructor's note, and the experiments that
    edit it."""
    note = instructors.readable_note(book, ctx.model.id, ctx.layer.name, ctx.unit)
    unit = unit_public(ctx, *note, **edits.fields())
    canonical = str(request.base_url).rstrip("/") + unit.url
    context = {"model": ctx.model, "unit": unit, "canonical": canonical, "json_url": unit.api_url}
    context["circuits"] = circuit.unit_circuits(unit)
    context["figures"] = figures = unit_figures(ctx)
    context["tuning"] = figures.tuning
    context["preview"] = previews.unit_preview(request, ctx, unit)
    # A signed-in instructor gets the note form, with this browser's CSRF token: a private page, never cached.
    context["instructor"] = author = instructors.page_author(request)
    context["csrf"] = csrf = instructors.csrf_token(request) if author else None
    response = render(request, "unit.html", context)
    if csrf:
        instructors.keep_csrf(request, response, csrf)
    return response


def _redirect_to_unit(reader: Reader, model: str | None, ref: str) -> RedirectResponse:
    model_view, layer, unit = resolve_ref(reader, model, ref)
    return RedirectResponse(urls.path(routes.UNIT, model=model_view.id, layer=layer.name, unit=unit), status_code=302)


@router.get(routes.UNIT_SEARCH.path, name=routes.UNIT_SEARCH.name)
def unit_by_query(reader: Reader, model: str, ref: str = "") -> RedirectResponse:
    """The search box's target: redirect `?ref=layer:unit` to the unit's page."""
    return _redirect_to_unit(reader, model, ref)


@router.get(routes.UNIT_REF.path, name=routes.UNIT_REF.name)
def unit_by_ref(reader: Reader, model: str, ref: str) -> RedirectResponse:
    """Redirect a unit reference (`layer:unit`, or an alias like `4b:409`) to the unit's canonical page."""
    return _redirect_to_unit(reader, model, ref)


@router.get(routes.MICROSCOPE_UNIT.path, name=routes.MICROSCOPE_UNIT.name)
def microscope_unit(reader: Reader, model: str, op: str, unit: str) -> RedirectResponse:
    """OpenAI Microscope's unit URLs (`/models/inceptionv1/mixed4b_0/409`, `…/mixed4a_5x5_0/12`) → our unit page."""
    if not op.endswith("_0"):
        raise NotFound(f"no page {op!r} under model {model!r}; see {urls.path(routes.MODEL, model=model)}")
    model_view, layer, number = resolve_microscope_op(reader, model, op, parse_unit(unit))
    return RedirectResponse(urls.path(routes.UNIT, model=model_view.id, layer=layer.name, unit=number), status_code=301)


@router.get(routes.CIRCUIT.path, name=routes.CIRCUIT.name)
def circuit_page(
    request: Request,
    reader: Reader,
    model_view: ModelDep,
    book: Notes,
    units: str = "",
    order: str = "given",
    add: str = "",
    page: str = "",
    scale: str = "",
) -> Response:
    """Units of consecutive layers and the kernels between them as grids, a page of rows at a time (a page is its
    own URL, cached on its own), on the colour scale `scale` names; other spellings redirect to the canonical."""
    query = circuit.parse(model_view, units, order, add, page, scale)
    if request.query_params.multi_items() != circuit.canonical_params(query):
        return RedirectResponse(query.url, status_code=302)
    context = circuit_view.page_context(reader, model_view, query, instructor_notes(book))
    context["preview"] = previews.circuit_preview(request, model_view, context["circuit"])
    return render(request, "circuit.html", context)
