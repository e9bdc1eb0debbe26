"""A rebuild from a tensor file: POST a .npy of the rebuilt units' weights to a rebuild's address + `/tensor` (the
page's form, or the JSON twin's body), and the worker measures it as it measures a rule.

The tensor holds one row per unit of the spec, in its order: (units, inputs) for each kernel's centre, or (units,
inputs, kh, kw) whole; a scale and an offset are fitted per unit as for a rule. Its answer has no address of its own
(a tensor is not a short spec): the worker keeps it by the file's SHA-256, so posting the same file again answers at
once. The body is held to `tensor_bytes` (app/web/limits.py) before it is read; the worker checks the file again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app import routes
from app.deps import ModelDep, Reader
from app.experiments.pages import ONE
from app.experiments.present import ExperimentData, SpecText, experiment_data, experiment_public, live, parse_spec
from app.experiments.schemas import ExperimentPublic
from app.schemas import ErrorPublic
from app.web.upload import read_upload
from store.experiments import REBUILD

FIELD = "tensor"  # the form's file input
_BODY = {
    "required": True,
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FIELD],
                "properties": {FIELD: {"type": "string", "format": "binary", "description": "a .npy file"}},
            }
        },
    },
}
_ERRORS: dict[int | str, dict] = {
    404: {"model": ErrorPublic, "description": "no such model, layer or unit, or a spec that is not one"},
    413: {"model": ErrorPublic, "description": "a tensor over the byte limit"},
    422: {"model": ErrorPublic, "description": "not a rebuild, or a tensor of the wrong shape, or not a .npy file"},
    503: {"model": ErrorPublic, "description": "no experiment worker, or its queue is full"},
    504: {"model": ErrorPublic, "description": "the experiment took too long"},
}

html_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api_router = APIRouter(tags=["experiments"])


async def _rebuilt(request: Request, reader: Reader, model: ModelDep, spec: str) -> ExperimentData:
    """The uploaded tensor's rebuild, measured by the worker."""
    experiment = parse_spec(request, model, spec, redirect=False)
    if experiment.kind != REBUILD:
        raise HTTPException(422, f"a tensor rebuilds units: POST it to a rebuild's address, not to {experiment.kind}")
    upload = await read_upload(request, request.app.state.settings.limits.tensor_bytes, FIELD)
    if not upload.data:
        raise HTTPException(422, f"send a .npy file: as the body, or as the form's `{FIELD}` file")
    answer = await run_in_threadpool(live, request, reader, model, experiment, None, upload.data)
    return await run_in_threadpool(experiment_data, request, reader, model, answer["result"], bool(answer["cached"]))


@html_router.post(routes.EXPERIMENT_TENSOR.path, name=routes.EXPERIMENT_TENSOR.name)
async def tensor_page(request: Request, reader: Reader, model_view: ModelDep, spec: SpecText) -> Response:
    """The rebuild's page for an uploaded tensor (never cached)."""
    return ONE.respond(request, await _rebuilt(request, reader, model_view, spec))  # live: never cached


@api_router.post(
    routes.API_EXPERIMENT_TENSOR.path,
    name=routes.API_EXPERIMENT_TENSOR.name,
    response_model=ExperimentPublic,
    responses=_ERRORS,
    openapi_extra={"requestBody": _BODY},
)
async def post_tensor(
    request: Request, response: Response, reader: Reader, model_view: ModelDep, spec: SpecText
) -> ExperimentPublic:
    """Rebuild the spec's units from an uploaded .npy tensor of their weights, one row per unit in the spec's order:
    (units, inputs) for each kernel's centre, or (units, inputs, kh, kw). Run live by the experiment worker, with a
    scale and an offset fitted per unit; the answer is not kept here (`cached`: whether the worker kept it)."""
    response.headers["cache-control"] = "no-store"
    return experiment_public(await _rebuilt(request, reader, model_view, spec))
