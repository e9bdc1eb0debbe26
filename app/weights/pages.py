"""The page of the weights into a layer: the tensor's file and its SVD's plots."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes
from app.deps import Reader, WeightsDep
from app.web.templating import render
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
