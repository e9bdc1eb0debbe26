"""JSON Lines, Parquet and zip downloads of a layer, for notebooks (app.units.data_out builds them).

None of their media types is one the response cache keeps (app.web.cache), so a large layer streams through it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException

from app import routes, urls
from app.deps import LayerDep, Reader
from app.units import data_out
from app.web.errors import NotFound
from app.web.handler_route import HandlerRoute
from store.db import StoreDamagedError

router = APIRouter(tags=["data"], route_class=HandlerRoute)
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}}
# Errors are JSON whatever a route's files are (the router's defaults would file them under the file's type).
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such model or layer, or no images", "content": ERROR},
    422: {"description": "an invalid path", "content": ERROR},
}


class JsonLinesResponse(StreamingResponse):
    """JSON Lines: one JSON object a line."""

    media_type = "application/x-ndjson"


class ParquetResponse(Response):
    """An Apache Parquet file."""

    media_type = "application/vnd.apache.parquet"


class ZipResponse(StreamingResponse):
    """A zip archive."""

    media_type = "application/zip"


def _attachment(model: str, layer: str, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{model}_{layer}_{suffix}"'}


@router.get(
    routes.API_LAYER_UNITS_JSONL.path,
    name=routes.API_LAYER_UNITS_JSONL.name,
    response_class=JsonLinesResponse,
    responses={200: {"description": "one unit a line, with the fields of the layer API's `unit_list`"}} | ERRORS,
)
def get_layer_units_jsonl(reader: Reader, ctx: LayerDep) -> JsonLinesResponse:
    """A layer's units in unit order as JSON Lines (`pandas.read_json(url, lines=True)` reads it)."""
    rows = data_out.unit_rows(ctx.model, ctx.layer, reader.units(ctx.model.id, ctx.layer.name))
    return JsonLinesResponse(data_out.json_lines(rows))


@router.get(
    routes.API_LAYER_UNITS_PARQUET.path,
    name=routes.API_LAYER_UNITS_PARQUET.name,
    response_class=ParquetResponse,
    responses={
        **ERRORS,
        200: {"description": "a row per unit; scores as `scores.NAME` columns"},
        501: {"description": "the server lacks pyarrow", "content": ERROR},
    },
)
def get_layer_units_parquet(reader: Reader, ctx: LayerDep) -> ParquetResponse:
    """A layer's units in unit order as a Parquet table (`pandas.read_parquet`), when the server has pyarrow."""
    model, layer = ctx.model, ctx.layer
    if not data_out.parquet_available():
        raise HTTPException(
            501, data_out.PARQUET_MISSING + urls.path(routes.API_LAYER_UNITS_JSONL, model=model.id, layer=layer.name)
        )
    rows = data_out.unit_rows(model, layer, reader.units(model.id, layer.name))
    return ParquetResponse(data_out.parquet_bytes(rows), headers=_attachment(model.id, layer.name, "units.parquet"))


@router.get(
    routes.API_LAYER_FEATURE_VIS_ZIP.path,
    name=routes.API_LAYER_FEATURE_VIS_ZIP.name,
    response_class=ZipResponse,
    responses={200: {"description": "`{layer}_{unit:04d}.{ext}` per unit, and manifest.json (unit, file, activation)"}}
    | ERRORS,
)
def get_layer_feature_vis_zip(reader: Reader, ctx: LayerDep) -> ZipResponse:
    """A layer's channel visualizations as a zip, one image per unit, with a manifest of their activations."""
    model, layer = ctx.model, ctx.layer
    images = reader.channel_images(model.id, layer.name)
    if not images:
        raise NotFound(f"layer {layer.name!r} of model {model.id!r} has no channel visualizations stored")
    files = {unit: reader.asset_file(view.asset.sha256, view.asset.ext) for unit, view in images.items()}
    missing = [unit for unit, path in files.items() if path is None]
    if missing:  # checked before the first byte: a stream cannot turn into an error
        raise StoreDamagedError(f"the store lacks the image files of {layer.name} units {missing[:10]}")
    entries = data_out.zip_entries(layer.name, images, {unit: path for unit, path in files.items() if path})
    return ZipResponse(data_out.zip_stream(entries), headers=_attachment(model.id, layer.name, "feature-vis.zip"))
