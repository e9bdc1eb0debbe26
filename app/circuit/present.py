"""A circuit's data, its orders and its response: two reader calls for its units and weights, whatever its size.

The units come in one query (thumbnails, labels, scores), each layer pair's weights in one more, and the kernels
are read from the pair's memory-mapped tensor by indexing the chosen rows and columns: a page costs the same
queries for 2 units as for 64 per layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app import routes, urls
from app.circuit.query import ORIENTATION, BadCircuit, CircuitQuery
from app.circuit.schemas import CircuitLayerPublic, CircuitPairPublic, CircuitPublic, CircuitUnitPublic
from app.plots.kernel_cells import KernelCell, kernel_cells
from app.units.present import unit_summary
from store.reader import StoreReader, units_of
from store.records import ModelView, UnitSummary, WeightsView


@dataclass(frozen=True)
class CircuitData:
    """What the store holds for a circuit: its units, and each adjacent pair's weights and tensor."""

    model: ModelView
    query: CircuitQuery
    units: dict[str, dict[int, UnitSummary]]
    weights: list[WeightsView]
    tensors: list[np.ndarray]  # (out, in, kh, kw) float16, memory-mapped


def load(reader: StoreReader, model: ModelView, query: CircuitQuery) -> CircuitData:
    """The circuit's units and weights; 400 when no stored weight tensor joins two of its layers."""
    units = units_of(reader, model.id, {layer: list(chosen) for layer, chosen in query.groups})
    pairs = zip(query.layers, query.layers[1:], strict=False)
    weights = [_weights(reader, model.id, earlier, later) for earlier, later in pairs]
    return CircuitData(model, query, units, weights, [reader.tensor(view) for view in weights])


def _weights(reader: StoreReader, model_id: str, earlier: str, later: str) -> WeightsView:
    view = reader.weights(model_id, later)
    if view is None or view.source != earlier:
        raise BadCircuit(
            f"no weights from {earlier} into {later} are stored, so their kernels cannot be drawn; "
            "`microscope precompute` stores them with the connections"
        )
    return view


def orders(data: CircuitData) -> list[str]:
    """The orders this circuit can be shown in: as given, by each stored SVD component, by orientation when measured."""
    components = min((view.svd.components for view in data.weights), default=0)
    found = ["given", *(f"svd{k}" for k in range(1, components + 1))]  # svd1: the first, as the SVD plots count
    return [*found, ORIENTATION] if not _unmeasured(data) else found


def _unmeasured(data: CircuitData) -> list[str]:
    """The units without an orientation score."""
    groups = data.query.groups
    return [f"{layer}:{u}" for layer, units in groups for u in units if ORIENTATION not in _scores(data, layer, u)]


def _scores(data: CircuitData, layer: str, unit: int) -> dict[str, float]:
    summary = data.units[layer].get(unit)
    return summary.scores if summary else {}


def arrange(data: CircuitData) -> dict[str, list[int]]:
    """Each layer's units in the query's order; 400 saying why when the circuit cannot be shown in it."""
    order, valid = data.query.order, orders(data)
    if order not in valid:
        why = _why_not(data, order)
        raise BadCircuit(f"cannot order this circuit by {order!r}: {why}; orders here: {', '.join(valid)}")
    arranged = {}
    for i, (layer, units) in enumerate(data.query.groups):
        key = _sort_key(data, i, order)
        arranged[layer] = sorted(units, key=key) if key else list(units)
    return arranged


def _why_not(data: CircuitData, order: str) -> str:
    if order == ORIENTATION:
        missing = _unmeasured(data)
        return f"no tuning data is stored for {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}"
    if not data.weights:
        return "ordering by SVD component needs two layers, and the weights between them"
    return f"the stored SVD of each layer pair has {min(v.svd.components for v in data.weights)} components"


def _sort_key(data: CircuitData, i: int, order: str) -> Callable[[int], float] | None:
    """Sort key of layer i's units: its coordinate on the SVD component (largest first), or its orientation."""
    if order == ORIENTATION:
        return lambda unit: _scores(data, data.query.layers[i], unit)[ORIENTATION]
    if order.startswith("svd"):
        k = int(order[3:]) - 1
        # The first layer is the earlier side of the first pair; every other layer the later side of the pair into it.
        coords = data.weights[0].svd.src if i == 0 else data.weights[i - 1].svd.dst
        return lambda unit: -coords[unit][k]
    return None


def circuit_public(data: CircuitData, rows: slice | None = None) -> CircuitPublic:
    """The circuit's response: its layers' units in order and the kernels between adjacent layers; only the kernels
    of `rows` of each pair (positions in the later layer's order) when given, as a page draws them."""
    arranged, query = arrange(data), data.query
    return CircuitPublic(
        model=data.model.id,
        units=query.units,
        order=query.order,
        orders=orders(data),
        layers=[_layer(data, layer, arranged[layer]) for layer in query.layers],
        pairs=[
            _pair(view, tensor, arranged[view.layer], arranged[view.source], rows or slice(None))
            for view, tensor in zip(data.weights, data.tensors, strict=True)
        ],
        url=query.url,
        api_url=query.api_url,
    )


def _layer(data: CircuitData, name: str, units: list[int]) -> CircuitLayerPublic:
    layer = next(layer for layer in data.model.layers if layer.name == name)
    public = []
    for unit in units:
        summary = data.units[name].get(unit) or UnitSummary(unit, None, None, None)
        without = data.query.without(name, unit)
        fields = unit_summary(data.model, layer, summary).model_dump()
        public.append(CircuitUnitPublic(**fields, without=without.url if without else None))
    return CircuitLayerPublic(name=name, url=urls.path(routes.LAYER, model=data.model.id, layer=name), units=public)


def _pair(
    view: WeightsView, tensor: np.ndarray, rows: list[int], columns: list[int], shown: slice
) -> CircuitPairPublic:
    # float16 → float64 is exact, so the JSON holds the stored values themselves; the scale is the whole grid's.
    kernels = np.asarray(tensor[np.ix_(rows, columns)], dtype=np.float64)
    # Built without validating: 64 × 64 kernels are a quarter of a million floats numpy has just made.
    return CircuitPairPublic.model_construct(
        source=view.source,
        layer=view.layer,
        kind=view.kind,
        kernel_shape=list(view.shape[2:]),
        max_abs=float(np.abs(kernels).max()) if kernels.size else 0.0,
        tensor_max_abs=view.max_abs,
        rows=rows[shown],
        columns=columns,
        kernels=kernels[shown].tolist(),
    )


@dataclass(frozen=True)
class Grid:
    """A layer pair as the page draws it: the earlier layer's units across, the later one's down, kernels between."""

    pair: CircuitPairPublic
    columns: list[CircuitUnitPublic]
    rows: list[CircuitUnitPublic]
    cells: list[list[KernelCell]]
    scale: float


def grids(circuit: CircuitPublic) -> list[Grid]:
    """One grid per adjacent pair of the circuit's layers (the rows its pairs hold), every kernel drawn on the pair's
    shared scale."""
    return [_grid(pair, circuit.layers[i].units, circuit.layers[i + 1].units) for i, pair in enumerate(circuit.pairs)]


def _grid(pair: CircuitPairPublic, columns: Sequence[CircuitUnitPublic], later: Sequence[CircuitUnitPublic]) -> Grid:
    scale = pair.max_abs or 1.0
    by_unit = {unit.unit: unit for unit in later}
    rows = [by_unit[unit] for unit in pair.rows]
    names = [[f"{col.ref} → {row.ref}" for col in columns] for row in rows]
    cells = kernel_cells(np.asarray(pair.kernels, dtype=np.float64), scale, names) if rows else []
    return Grid(pair, list(columns), rows, cells, scale)


@dataclass(frozen=True)
class Pager:
    """Which rows of the grids a page draws, and the pages around it."""

    page: int
    pages: int
    first: int  # the first row drawn, counted from 1
    last: int  # the last row drawn
    rows: int  # rows of the longest grid
    previous: str | None
    next: str | None
    first_page: str  # the page every grid's first rows are on


def pager(query: CircuitQuery) -> Pager:
    """The page's place among the circuit's pages of rows."""
    rows = max((len(units) for _, units in query.groups[1:]), default=0)
    start = query.rows.start
    return Pager(
        page=query.page,
        pages=query.pages,
        first=start + 1,
        last=min(query.rows.stop, rows),
        rows=rows,
        previous=query.on_page(query.page - 1).url if query.page > 1 else None,
        next=query.on_page(query.page + 1).url if query.page < query.pages else None,
        first_page=query.on_page(1).url,
    )
