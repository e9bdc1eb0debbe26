"""JSON route of a layer with every one of its units."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import LayerDep, Reader
from app.schemas import ErrorPublic
from app.units.grid import GridDep
from app.units.present import layer_public
from app.units.schemas import LayerPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["layers"], route_class=HandlerRoute)


@router.get(
    routes.API_LAYER.path,
    name=routes.API_LAYER.name,
    response_model=LayerPublic,
    responses={400: {"model": ErrorPublic, "description": "a bad sort or bw_ratio bound"}},
)
def get_layer(reader: Reader, ctx: LayerDep, grid: GridDep) -> LayerPublic:
    """A layer: shape, receptive field, neighbouring layers, and its units with thumbnails and scores (sortable)."""
    units, weights = reader.units(ctx.model.id, ctx.layer.name), reader.weights(ctx.model.id, ctx.layer.name)
    return layer_public(ctx, units, weights, grid)
