"""Annotated dependencies that look up a model, layer or unit in the store, or raise a 404 naming what exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.exceptions import HTTPException

from app import routes, urls
from app.routes import Route
from app.web.errors import NotFound
from store.reader import StoreReader
from store.records import CONNECTIONS_STAGE, LayerView, ModelView, UnitDetail, UnitSummary, WeightsView
from store.refs import FORMAT_HELP, UnitRef, unit_number

MAX_LINKS = 40  # an error page lists at most this many layers as links


@dataclass(frozen=True)
class LayerContext:
    """A layer together with its model."""

    model: ModelView
    layer: LayerView


@dataclass(frozen=True)
class UnitContext:
    """A unit together with its layer and model."""

    model: ModelView
    layer: LayerView
    detail: UnitDetail

    @property
    def unit(self) -> int:
        """The unit's number in its layer."""
        return self.detail.summary.unit


def get_reader(request: Request) -> StoreReader:
    """The store reader opened at startup."""
    return request.app.state.reader


Reader = Annotated[StoreReader, Depends(get_reader)]


def _model_links(reader: StoreReader) -> list[tuple[str, str]]:
    return [(i, urls.path(routes.MODEL, model=i)) for i in reader.model_ids()]


def find_model(reader: StoreReader, model_id: str) -> ModelView:
    """The model, or a 404 listing the stored models."""
    model = reader.model(model_id)
    if model is None:
        ids = ", ".join(reader.model_ids()) or "(none stored)"
        raise NotFound(f"no model {model_id!r}; models: {ids}", _model_links(reader))
    return model


def _layer_links(model: ModelView) -> list[tuple[str, str]]:
    return [
        (layer.name, urls.path(routes.LAYER, model=model.id, layer=layer.name)) for layer in model.layers[:MAX_LINKS]
    ]


def layer_names(model: ModelView) -> list[str]:
    """The model's layer ids in forward order."""
    return [layer.name for layer in model.layers]


def find_layer(model: ModelView, name: str) -> LayerView:
    """The layer of the model, or a 404 listing its layers."""
    for layer in model.layers:
        if layer.name == name:
            return layer
    raise NotFound(
        f"no layer {name!r} in model {model.id!r}; layers: {', '.join(layer_names(model))}", _layer_links(model)
    )


def unit_range(layer: LayerView) -> str:
    """'units 0–31' (or 'no units')."""
    return f"units 0–{layer.units - 1}" if layer.units else "no units"


def check_unit(model: ModelView, layer: LayerView, unit: int) -> None:
    """Raise a 404 naming the layer's range unless `unit` is one of its units."""
    if not 0 <= unit < layer.units:
        raise NotFound(
            f"unit {unit} out of range: {layer.name} has {unit_range(layer)}",
            [(f"{layer.name} (all units)", urls.path(routes.LAYER, model=model.id, layer=layer.name))],
        )


def find_unit(reader: StoreReader, model: ModelView, layer: LayerView, unit: int) -> UnitContext:
    """Everything stored about the unit, or a 404."""
    check_unit(model, layer, unit)
    detail = reader.unit(model.id, layer.name, unit)
    if detail is None:
        raise NotFound(f"unit {layer.name}:{unit} of model {model.id!r} is not in the store")
    return UnitContext(model, layer, detail)


def resolve_ref(reader: StoreReader, model_id: str | None, text: str) -> tuple[ModelView, LayerView, int]:
    """The unit a reference like 'layer2.3:17', '4b:409' or 'model/layer:unit' names, or a 404 saying why."""
    try:
        ref: UnitRef | None = UnitRef.parse(text)
    except ValueError:
        ref = None
    target = (ref.model if ref else None) or model_id
    if target is None:
        models = ", ".join(reader.model_ids())
        problem = f"which model is {text!r} in?" if ref else f"not a unit reference: {text!r};"
        raise NotFound(f"{problem} {FORMAT_HELP}; models: {models}", _model_links(reader))
    model = find_model(reader, target)
    if ref is None:
        raise NotFound(
            f"not a unit reference: {text!r}; {FORMAT_HELP}; layers of {model.id!r}: {', '.join(layer_names(model))}",
            _layer_links(model),
        )
    try:
        layer = find_layer(model, ref.resolve(layer_names(model)).layer)
    except KeyError:
        in_branch = find_branch_unit(reader, model, ref.layer, ref.unit)  # 'mixed4b_5x5:25', the branch unstored
        if in_branch is not None:
            return in_branch
        layer = find_layer(model, ref.layer)  # raises the 404 naming the layers
    check_unit(model, layer, ref.unit)
    return model, layer, ref.unit


def get_model(reader: Reader, model: Annotated[str, Path(description="model id, e.g. 'cifar-resnet20'")]) -> ModelView:
    """The model named in the path."""
    return find_model(reader, model)


ModelDep = Annotated[ModelView, Depends(get_model)]


LayerName = Annotated[str, Path(description="layer id, e.g. 'layer2.3'")]


def get_layer(model_view: ModelDep, layer: LayerName) -> LayerContext:
    """The layer named in the path."""
    return LayerContext(model_view, find_layer(model_view, layer))


LayerDep = Annotated[LayerContext, Depends(get_layer)]


@dataclass(frozen=True)
class BranchesContext:
    """A layer that concatenates branches, with its units (each knowing its branch)."""

    model: ModelView
    layer: LayerView
    units: list[UnitSummary]


def layers_with_branches(reader: StoreReader, model: ModelView) -> list[str]:
    """The model's layers that concatenate branches, in forward order (one query: every layer's unit 0)."""
    previews = reader.previews(model.id, 1)
    return [layer.name for layer in model.layers if any(u.branch for u in previews.get(layer.name, []))]


def get_branches(reader: Reader, ctx: LayerDep) -> BranchesContext:
    """The layer named in the path with its units, or a 404 naming the layers that have branches."""
    units = reader.units(ctx.model.id, ctx.layer.name)
    if not any(u.branch for u in units):
        names = layers_with_branches(reader, ctx.model)
        raise NotFound(
            f"layer {ctx.layer.name!r} of model {ctx.model.id!r} has no branches; "
            f"layers with branches: {', '.join(names) or '(none in this model)'}",
            [
                (f"{name} branches", urls.path(routes.BRANCHES, model=ctx.model.id, layer=name))
                for name in names[:MAX_LINKS]
            ]
            or [(ctx.layer.name, urls.path(routes.LAYER, model=ctx.model.id, layer=ctx.layer.name))],
        )
    return BranchesContext(ctx.model, ctx.layer, units)


BranchesDep = Annotated[BranchesContext, Depends(get_branches)]


class MovedPermanently(HTTPException):
    """A 301 to the canonical URL of what was asked for (one URL per resource)."""

    def __init__(self, location: str) -> None:
        super().__init__(status_code=301, detail=f"moved permanently to {location}", headers={"Location": location})


class SeeOther(HTTPException):
    """A 303 to the page a form's fields name (a GET form whose answer lives at its own address)."""

    def __init__(self, location: str) -> None:
        super().__init__(status_code=303, detail=f"see {location}", headers={"Location": location})


def parse_unit(text: str, layer: LayerView | None = None) -> int:
    """The unit number in a path, or a 404 saying how units are written (and the layer's range when known)."""
    number = unit_number(text)
    if number is None:
        known = f"; {layer.name} has {unit_range(layer)}" if layer else ""
        raise NotFound(f"unit must be a non-negative integer, got {text!r}{known}")
    return number


UnitText = Annotated[
    str,
    # Documented as the integer it canonically is; other spellings redirect or 404 (see `unit_number`).
    Path(description="unit (channel) number in its layer", json_schema_extra={"type": "integer", "minimum": 0}),
]


def get_unit(request: Request, reader: Reader, ctx: LayerDep, unit: UnitText) -> UnitContext:
    """The unit named in the path; another spelling of its number (05, +5, 5.0, ５) redirects to the canonical URL."""
    number = parse_unit(unit, ctx.layer)
    check_unit(ctx.model, ctx.layer, number)  # out of range: a 404 here rather than a redirect to one
    if unit != str(number):
        path = urls.path(_unit_route(request.url.path), model=ctx.model.id, layer=ctx.layer.name, unit=number)
        raise MovedPermanently(f"{path}?{request.url.query}" if request.url.query else path)
    return find_unit(reader, ctx.model, ctx.layer, number)


UnitDep = Annotated[UnitContext, Depends(get_unit)]


def _unit_route(path: str) -> Route:
    """The route of what a unit path names: its JSON, its preview card or its page."""
    if path.startswith(urls.API + "/"):
        return routes.API_UNIT
    return routes.UNIT_CARD if path.endswith("/card.png") else routes.UNIT


def resolve_microscope_op(reader: StoreReader, model_id: str, op: str, unit: int) -> tuple[ModelView, LayerView, int]:
    """The unit OpenAI Microscope's `{op}_0/{unit}` names: a layer's unit, or the unit-th unit of a branch."""
    model = find_model(reader, model_id)
    name = op.removesuffix("_0")
    if name in layer_names(model):
        layer = find_layer(model, name)
        check_unit(model, layer, unit)
        return model, layer, unit
    in_branch = find_branch_unit(reader, model, name, unit)
    if in_branch is not None:
        return in_branch
    raise NotFound(
        f"no layer or branch {name!r} in model {model.id!r}; layers: {', '.join(layer_names(model))}",
        _layer_links(model),
    )


def no_weights(model: ModelView, layer: LayerView) -> NotFound:
    """The 404 of a layer without stored weights: why, and the layers whose connections are stored (linked)."""
    if layer.previous is None:
        why = f"{layer.name} is the first layer of {model.id!r}: no layer comes before it, so no weights come into it"
    elif CONNECTIONS_STAGE in layer.stages:
        why = (
            f"no weights into {layer.name} are stored: this store was precomputed before full weight tensors were "
            "kept; run the same `microscope precompute` on it again to add them"
        )
    else:
        why = f"no weights into {layer.name} are stored: its connections were not computed"
    stored = [other for other in model.layers if other.previous and CONNECTIONS_STAGE in other.stages]
    names = ", ".join(other.name for other in stored if other.name != layer.name) or "none"
    links = [
        (other.name, urls.path(routes.LAYER_WEIGHTS, model=model.id, layer=other.name)) for other in stored[:MAX_LINKS]
    ]
    return NotFound(f"{why}; layers with stored connections: {names}", links)


@dataclass(frozen=True)
class WeightsContext:
    """A layer with its model and the stored weights into it from its previous layer."""

    model: ModelView
    layer: LayerView
    weights: WeightsView


def get_weights(reader: Reader, ctx: LayerDep) -> WeightsContext:
    """The weights into the layer named in the path, or a 404 saying why there are none."""
    view = reader.weights(ctx.model.id, ctx.layer.name)
    if view is None:
        raise no_weights(ctx.model, ctx.layer)
    return WeightsContext(ctx.model, ctx.layer, view)


WeightsDep = Annotated[WeightsContext, Depends(get_weights)]


def find_branch_unit(
    reader: StoreReader, model: ModelView, branch: str, unit: int
) -> tuple[ModelView, LayerView, int] | None:
    """The `unit`-th unit of a branch that is no stored layer, as a unit of the layer it is concatenated into.

    None when no layer has a branch of that name; a 404 when the branch has fewer units. One query per layer whose
    name begins the branch's ('mixed4b' for 'mixed4b_5x5').
    """
    for layer in model.layers:
        if not branch.startswith(layer.name):
            continue
        members = [u.unit for u in reader.units(model.id, layer.name) if u.branch == branch]
        if members and 0 <= unit < len(members):
            return model, layer, members[unit]
        if members:
            raise NotFound(
                f"unit {unit} out of range: branch {branch} of {layer.name} has units 0–{len(members) - 1}",
                [(f"{layer.name} (all units)", urls.path(routes.LAYER, model=model.id, layer=layer.name))],
            )
    return None
