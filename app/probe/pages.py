"""The probe page: the upload form, and the units that fire most on the uploaded image."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app import routes, urls
from app.deps import ModelDep, Reader
from app.probe import present as probe
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


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
