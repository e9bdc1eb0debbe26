"""JSON routes of probing your own image: what the form needs (GET) and an uploaded image's top units (POST)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from app import routes
from app.deps import ModelDep, Reader
from app.probe.image import ACCEPT
from app.probe.present import form_facts, read, run_probe
from app.probe.schemas import ProbeFormPublic, ProbePublic
from app.schemas import ErrorPublic
from app.web.handler_route import HandlerRoute


class BothMethodsRoute(HandlerRoute):
    """One of the two routes at the probe's path: a 405 from either names both methods (Starlette names its own)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self.methods:
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET, POST"})
        await super().handle(scope, receive, send)


router = APIRouter(tags=["probe"], route_class=BothMethodsRoute)

_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "anyOf": [{"required": ["image"]}, {"required": ["source"]}],  # an image, or a dataset image's path
                "properties": {
                    "image": {"type": "string", "format": "binary", "description": f"the image ({ACCEPT})"},
                    "source": {
                        "type": "string",
                        "minLength": 1,
                        "description": "instead of `image`: a dataset image's source path",
                    },
                    "layer": {"type": "string", "description": "a layer of the model (default: the deepest conv)"},
                    "unit": {"type": "integer", "minimum": 0, "description": "a unit whose map to return too"},
                    "top": {"type": "integer", "minimum": 1, "maximum": 64, "description": "how many units (8)"},
                },
            }
        },
        "application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}},
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["source"],
                "properties": {"source": {"type": "string", "minLength": 1}, "layer": {"type": "string"}},
            }
        },
    },
}
_ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorPublic, "description": "a malformed multipart/form-data body"},
    413: {"model": ErrorPublic, "description": "over the byte or pixel limit"},
    415: {"model": ErrorPublic, "description": "not an image (decided by decoding, whatever its declared type)"},
    422: {"model": ErrorPublic, "description": "a bad layer, unit or top, or an image that does not decode"},
    404: {"model": ErrorPublic, "description": "no such model, or no probe worker configured for it"},
    503: {"model": ErrorPublic, "description": "the probe worker is not answering, or its queue is full"},
    504: {"model": ErrorPublic, "description": "the probe took too long"},
}


@router.get(routes.API_PROBE.path, name=routes.API_PROBE.name, response_model=ProbeFormPublic)
def get_probe(request: Request, response: Response, model_view: ModelDep) -> ProbeFormPublic:
    """Whether this model can be probed here, with which layers and within which upload limits."""
    response.headers["cache-control"] = "no-store"  # the worker's state is live
    return form_facts(request, model_view)


@router.post(
    routes.API_PROBE.path,
    name=routes.API_PROBE.name,
    response_model=ProbePublic,
    responses=_ERRORS,
    openapi_extra={"requestBody": _UPLOAD},
)
async def post_probe(request: Request, reader: Reader, model_view: ModelDep) -> ProbePublic:
    """The units of a layer that fire most on an uploaded image, each with its activation map; nothing is kept.

    Send multipart/form-data (`image`, `layer`, `unit`, `top`) or the image's bytes as the body with
    `?layer=&unit=&top=`; `source` instead of `image` probes an image of the model's dataset folder by its path.
    The upload's declared type is ignored: it is decoded, and refused when it does not.
    """
    return (await run_probe(request, reader, model_view, await read(request, model_view))).result
