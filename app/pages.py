"""HTML pages at the same paths as their JSON under /api/v1, rendered from the same response models."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app import circuit, circuit_view, instructors, previews, probe, routes, search, urls
from app.branches import branch_plots, branches_public
from app.compare import CompareDep, compare_public
from app.deps import (
    BranchesDep,
    LayerDep,
    ModelDep,
    Reader,
    UnitDep,
    WeightsDep,
    parse_unit,
    resolve_microscope_op,
    resolve_ref,
)
from app.errors import NotFound
from app.families import FamilyDep, family_public, layer_families, sparklines
from app.findings import FindingsDep, finding_plots, findings_public
from app.grid import GridDep
from app.instructors import Notes
from app.present import PREVIEW_UNITS, layer_public, model_public, model_summary, unit_figures, unit_public
from app.present_weights import layer_weights_public, svd_figures
from app.templating import render

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
def layer_page(request: Request, reader: Reader, ctx: LayerDep, grid: GridDep) -> Response:
    """Every unit of a layer as a grid of thumbnails, sorted and filtered as the query says (app.grid)."""
    units, weights = reader.units(ctx.model.id, ctx.layer.name), reader.weights(ctx.model.id, ctx.layer.name)
    layer = layer_public(ctx, units, weights, grid)
    families = layer_families(ctx.model, ctx.layer, units)
    context = {"model": ctx.model, "layer": layer, "families": families, "json_url": layer.grid.api_url}
    context["preview"] = previews.layer_preview(request, ctx)
    return render(request, "layer.html", context)


@router.get(routes.BRANCHES.path, name=routes.BRANCHES.name)
def branches_page(request: Request, ctx: BranchesDep) -> Response:
    """A concatenating layer's units grouped by branch, with score histograms and hand-label families."""
    page = branches_public(ctx)
    context = {"model": ctx.model, "page": page, "plots": branch_plots(page), "json_url": page.api_url}
    return render(request, "branches.html", context)


@router.get(routes.UNIT.path, name=routes.UNIT.name)
def unit_page(request: Request, ctx: UnitDep, book: Notes) -> Response:
    """A unit: feature visualizations, dataset examples, connections, and its instructor's note."""
    unit = unit_public(ctx, *instructors.readable_note(book, ctx.model.id, ctx.layer.name, ctx.unit))
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


@router.get(routes.LAYER_WEIGHTS.path, name=routes.LAYER_WEIGHTS.name)
def layer_weights_page(request: Request, reader: Reader, ctx: WeightsDep) -> Response:
    """The weights into a layer: the tensor's file to download, and the SVD of |W| drawn as plots."""
    view = ctx.weights
    units = reader.units(ctx.model.id, view.layer), reader.units(ctx.model.id, view.source)
    weights = layer_weights_public(ctx.model, view, *units)
    context = {"model": ctx.model, "weights": weights, "figures": svd_figures(weights), "json_url": weights.api_url}
    return render(request, "weights.html", context)


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


@router.get(routes.SEARCH.path, name=routes.SEARCH.name)
def search_page(request: Request, reader: Reader, book: Notes, q: search.SearchText) -> Response:
    """The results of the JSON's search; an exact unit ref or model id goes straight to its page."""
    found = search.search_public(q, search.load(reader, q, book))
    target = search.go_to(found)
    if target is not None:
        return RedirectResponse(target, status_code=302)
    return render(
        request, "search.html", {"search": found, "json_url": urls.path(routes.API_SEARCH, {"q": found.q or None})}
    )


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
    units: str = "",
    order: str = "given",
    add: str = "",
    page: str = "",
) -> Response:
    """Units of consecutive layers and the kernels between them as grids, a page of rows at a time (a page is its
    own URL, cached on its own); other spellings redirect to the canonical."""
    query = circuit.parse(model_view, units, order, add, page)
    if request.query_params.multi_items() != circuit.canonical_params(query):
        return RedirectResponse(query.url, status_code=302)
    found = circuit_view.circuit_public(circuit_view.load(reader, model_view, query), query.rows)
    context = {"model": model_view, "circuit": found, "grids": circuit_view.grids(found), "json_url": found.api_url}
    context["pager"] = circuit_view.pager(query)
    context["preview"] = previews.circuit_preview(request, model_view, found)
    return render(request, "circuit.html", context)


@router.get(routes.FAMILY.path, name=routes.FAMILY.name)
def family_page(request: Request, data: FamilyDep) -> Response:
    """A layer's units that score highest for a family, by preferred orientation, with their tuning curves."""
    page = family_public(data)
    context = {"model": data.model, "page": page, "sparklines": sparklines(page.units), "json_url": page.api_url}
    return render(request, "family.html", context)


@router.get(routes.COMPARE.path, name=routes.COMPARE.name)
def compare_page(request: Request, data: CompareDep) -> Response:
    """A family across models: each layer's highest-scoring units, side by side."""
    page = compare_public(data)
    units = [u for m in page.models for layer in m.layers for u in layer.units]
    return render(request, "compare.html", {"page": page, "sparklines": sparklines(units), "json_url": page.api_url})


def _probe_form(
    request: Request, model_view: ModelDep, fields: dict[str, str], status: int = 200, error: str = ""
) -> Response:
    facts = probe.form_facts(request, model_view)
    context = {"model": model_view, "facts": facts, "fields": fields, "error": error, "json_url": facts.api_url}
    context["default_layer"] = probe.default_layer(model_view)
    response = render(request, "probe.html", context, status)
    response.headers["cache-control"] = "no-store"  # the worker's state is live
    return response


@router.api_route(routes.PROBE.path, methods=["GET", "POST"], name=routes.PROBE.name)
async def probe_page(request: Request, reader: Reader, model_view: ModelDep) -> Response:
    """GET: the form (upload an image, choose a layer and perhaps a unit). POST: the units that fire most on it,
    each unit's map drawn over the image; a refused upload shows the form again with the reason."""
    fields = dict(request.query_params)
    if request.method == "GET":
        return await run_in_threadpool(_probe_form, request, model_view, fields)
    try:
        upload = await probe.read(request, model_view)
        fields = upload.fields
        probed = await probe.run_probe(request, reader, model_view, upload)
    except HTTPException as error:
        return _probe_form(request, model_view, fields, error.status_code, str(error.detail))
    pictures = await run_in_threadpool(probe.overlays, probed)
    context = {
        "model": model_view,
        "probe": probed.result,
        "pictures": pictures,
        "json_url": urls.path(routes.API_PROBE, model=model_view.id),
    }
    return render(request, "probe_results.html", context)


@router.get(routes.FINDINGS.path, name=routes.FINDINGS.name)
def findings_page(request: Request, data: FindingsDep) -> Response:
    """A model's findings: each check's verdict first, then its numbers, thresholds, links and figure."""
    page = findings_public(data)
    context = {"model": data.model, "page": page, "plots": finding_plots(page), "json_url": page.api_url}
    return render(request, "findings.html", context)
