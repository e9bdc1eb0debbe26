"""The page of the weights into a layer: the tensor's file and its SVD's plots, whose thumbnails come from each
layer's sheet (app.weights.sheet)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes
from app.cards.pages import CACHE as DRAWN  # drawn from the unchanging store, as the cards are
from app.deps import LayerDep, Reader, WeightsDep
from app.web.templating import render
from app.weights import sheet
from app.weights.present import layer_weights_public, svd_figures

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.LAYER_WEIGHTS.path, name=routes.LAYER_WEIGHTS.name)
def layer_weights_page(request: Request, reader: Reader, ctx: WeightsDep) -> Response:
    """The weights into a layer: the tensor's file to download, and the SVD of |W| drawn as plots."""
    view = ctx.weights
    units = reader.units(ctx.model.id, view.layer), reader.units(ctx.model.id, view.source)
    weights = layer_weights_public(ctx.model, view, *units)
    context = {"model": ctx.model, "weights": weights, "figures": svd_figures(weights), "json_url": weights.api_url}
    return render(request, "weights.html", context)


@router.get(routes.LAYER_THUMBNAILS.path, name=routes.LAYER_THUMBNAILS.name, response_class=Response)
def layer_thumbnails(reader: Reader, ctx: LayerDep) -> Response:
    """Every unit's thumbnail of the layer as one WebP, unit n in cell n row by row (`app.weights.sheet`)."""
    layer = ctx.layer
    drawn = sheet.layout(ctx.model.id, layer.name, layer.units)
    files = [
        (u.unit, reader.asset_file(u.thumbnail.sha256, u.thumbnail.ext) if u.thumbnail else None)
        for u in reader.units(ctx.model.id, layer.name)
    ]
    return Response(sheet.draw(drawn, files), media_type=sheet.MEDIA_TYPE, headers=DRAWN)
