"""JSON routes of stored weight tensors: a layer pair's file and SVD, and one unit's full row and column."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app import routes, urls
from app.deps import LayerDep, MovedPermanently, Reader, UnitText, WeightsDep, check_unit, no_weights, parse_unit
from app.web.handler_route import HandlerRoute
from app.weights.present import Slice, layer_weights_public, unit_weights_public
from app.weights.schemas import LayerWeightsPublic, UnitWeightsPublic

router = APIRouter(tags=["weights"], route_class=HandlerRoute)


@router.get(routes.API_LAYER_WEIGHTS.path, name=routes.API_LAYER_WEIGHTS.name, response_model=LayerWeightsPublic)
def get_layer_weights(reader: Reader, ctx: WeightsDep) -> LayerWeightsPublic:
    """The weights into a layer from its previous layer: the .npy file's metadata and URL, and the SVD of |W|."""
    view = ctx.weights
    layer_units = reader.units(ctx.model.id, view.layer)
    return layer_weights_public(ctx.model, view, layer_units, reader.units(ctx.model.id, view.source))


@router.get(routes.API_UNIT_WEIGHTS.path, name=routes.API_UNIT_WEIGHTS.name, response_model=UnitWeightsPublic)
def get_unit_weights(request: Request, reader: Reader, ctx: LayerDep, unit: UnitText) -> UnitWeightsPublic:
    """Every input of a unit (its row of the weights into its layer) and every output (its column of each tensor
    out of its layer), strongest first, each with its kernel. One query per layer it touches, besides three."""
    model, layer = ctx.model, ctx.layer
    number = parse_unit(unit, layer)
    check_unit(model, layer, number)
    if unit != str(number):
        path = urls.path(routes.API_UNIT_WEIGHTS, model=model.id, layer=layer.name, unit=number)
        raise MovedPermanently(f"{path}?{request.url.query}" if request.url.query else path)
    into, out_of = reader.weights(model.id, layer.name), reader.weights_from(model.id, layer.name)
    if into is None and not out_of:
        raise no_weights(model, layer)
    row = Slice(into, reader.tensor(into)[number], reader.units(model.id, into.source)) if into else None
    columns = [Slice(view, reader.tensor(view)[:, number], reader.units(model.id, view.layer)) for view in out_of]
    return unit_weights_public(model, layer, number, row, columns)
