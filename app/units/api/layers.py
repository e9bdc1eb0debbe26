"""JSON route of a layer with every one of its units."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import LayerDep, Reader
from app.notes.instructors import Notes
from app.schemas import ErrorPublic
from app.units.grid import GridDep
from app.units.present import instructor_labelled, instructor_notes, layer_public
from app.units.schemas import LayerPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["layers"], route_class=HandlerRoute)


@router.get(
    routes.API_LAYER.path,
    name=routes.API_LAYER.name,
    response_model=LayerPublic,
    responses={400: {"model": ErrorPublic, "description": "a bad sort or bw_ratio bound"}},
)
def get_layer(reader: Reader, book: Notes, ctx: LayerDep, grid: GridDep) -> LayerPublic:
    """A layer: shape, receptive field, neighbouring layers, and its units with thumbnails and scores (sortable); a
    unit without a hand label carries its instructor's label (`label_source` 'instructor')."""
    units, weights = reader.units(ctx.model.id, ctx.layer.name), reader.weights(ctx.model.id, ctx.layer.name)
    units = instructor_labelled(ctx.model, ctx.layer, units, instructor_notes(book))
    return layer_public(ctx, units, weights, grid)
