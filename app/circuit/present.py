"""A circuit's data, its orders and its response: two reader calls for its units and weights, whatever its size.

The units come in one query (thumbnails, labels, scores), each layer pair's weights in one more, and the kernels
are read from the pair's memory-mapped tensor by indexing the chosen rows and columns: a page costs the same
queries for 2 units as for 64 per layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from markupsafe import Markup

from app import routes, urls
from app.circuit.angles import angle_plots
from app.circuit.query import ORIENTATION, PER_ROW, SCALES, BadCircuit, CircuitQuery
from app.circuit.schemas import CircuitLayerPublic, CircuitPairPublic, CircuitPublic, CircuitUnitPublic
from app.plots.kernel_cells import KernelCell, kernel_cells, legend_svg, robust_end
from app.units.present import UnitKey, instructor_labelled, unit_summary
from notes.book import Note
from store.reader import StoreReader, units_of
from store.records import AssetRef, ModelView, UnitSummary, WeightsView

AXIS_CROPS = 4  # top dataset examples beside each axis unit's picture, as a 2×2 grid


@dataclass(frozen=True)
class CircuitData:
    """What the store holds for a circuit: its units, and each adjacent pair's weights and tensor."""

    model: ModelView
    query: CircuitQuery
    units: dict[str, dict[int, UnitSummary]]
    weights: list[WeightsView]
    tensors: list[np.ndarray]  # (out, in, kh, kw) float16, memory-mapped
    examples: dict[str, dict[int, list[AssetRef]]] = field(default_factory=dict)  # each unit's top crops, by layer


def load(reader: StoreReader, model: ModelView, query: CircuitQuery) -> CircuitData:
    """The circuit's units and weights; 400 when no stored weight tensor joins two of its layers."""
    chosen = {layer: list(units) for layer, units in query.groups}
    units = units_of(reader, model.id, chosen)
    pairs = zip(query.layers, query.layers[1:], strict=False)
    weights = [_weights(reader, model.id, earlier, later) for earlier, later in pairs]
    crops = reader.examples_of(model.id, chosen, AXIS_CROPS)  # the evidence beside each axis unit's picture
    return CircuitData(model, query, units, weights, [reader.tensor(view) for view in weights], crops)


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


def labelled(data: CircuitData, notes: Mapping[UnitKey, Note]) -> CircuitData:
    """The circuit with each unit that has no label of the store's labelled by its instructor's note (`notes`, by
    app.units.present.instructor_notes), its label source 'instructor'."""
    layers = {layer.name: layer for layer in data.model.layers}
    units = {
        name: {u.unit: u for u in instructor_labelled(data.model, layers[name], found.values(), notes)}
        for name, found in data.units.items()
    }
    return replace(data, units=units)


def circuit_public(data: CircuitData, rows: slice | None = None) -> CircuitPublic:
    """The circuit's response: its layers' units in order and the kernels between adjacent layers; only the kernels
    of `rows` of each pair (positions in the later layer's order) when given, as a page draws them."""
    arranged, query = arrange(data), data.query
    return CircuitPublic(
        model=data.model.id,
        units=query.units,
        order=query.order,
        orders=orders(data),
        scale=query.scale,
        layers=[_layer(data, layer, arranged[layer]) for layer in query.layers],
        pairs=[
            _pair(view, tensor, arranged[view.layer], arranged[view.source], rows or slice(None), query.scale)
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
        crops = [urls.asset(crop) for crop in data.examples.get(name, {}).get(unit, [])]
        public.append(CircuitUnitPublic(**fields, without=without.url if without else None, examples=crops))
    return CircuitLayerPublic(name=name, url=urls.path(routes.LAYER, model=data.model.id, layer=name), units=public)


def _pair(
    view: WeightsView, tensor: np.ndarray, rows: list[int], columns: list[int], shown: slice, scale: str
) -> CircuitPairPublic:
    # float16 → float64 is exact, so the JSON holds the stored values themselves. A scale's end is taken over every
    # row of the circuit, not the page's: each page of a large circuit draws its rows on the same scale.
    kernels = np.asarray(tensor[np.ix_(rows, columns)], dtype=np.float64)
    ends = [robust_end(row) for row in kernels] if scale == PER_ROW else [robust_end(kernels)] * len(rows)
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
        colour_max=ends[shown],
        kernels=kernels[shown].tolist(),
    )


@dataclass(frozen=True)
class Grid:
    """A layer pair as the page draws it: the earlier layer's units across, the later one's down, kernels between,
    each row drawn at full colour from its `ends` value (the same for every row on the pair's scale)."""

    pair: CircuitPairPublic
    columns: list[CircuitUnitPublic]
    rows: list[CircuitUnitPublic]
    cells: list[list[KernelCell]]
    scale: float  # the end of the pair's one scale (on a scale per row, its first row's: `ends` holds every row's)
    per_row: bool  # each row on its own scale
    ends: list[float]
    legend: Markup  # the colour scale as an SVG strip, from −end (blue) through 0 (white, marked) to +end (red)


def grids(circuit: CircuitPublic) -> list[Grid]:
    """One grid per adjacent pair of the circuit's layers (the rows its pairs hold), its kernels drawn on the
    circuit's scale."""
    per_row = circuit.scale == PER_ROW
    return [
        _grid(pair, circuit.layers[i].units, circuit.layers[i + 1].units, per_row)
        for i, pair in enumerate(circuit.pairs)
    ]


def _grid(
    pair: CircuitPairPublic, columns: Sequence[CircuitUnitPublic], later: Sequence[CircuitUnitPublic], per_row: bool
) -> Grid:
    by_unit = {unit.unit: unit for unit in later}
    rows = [by_unit[unit] for unit in pair.rows]
    names = [[f"{col.ref} → {row.ref}" for col in columns] for row in rows]
    ends = np.asarray(pair.colour_max, dtype=np.float64)
    cells = kernel_cells(np.asarray(pair.kernels, dtype=np.float64), ends, names) if rows else []
    scale = float(ends[0]) if rows else 0.0
    legend = legend_svg(f"{pair.source}-{pair.layer}")
    return Grid(pair, list(columns), rows, cells, scale, per_row, list(pair.colour_max), legend)


def page_context(
    reader: StoreReader, model: ModelView, query: CircuitQuery, notes: Mapping[UnitKey, Note]
) -> dict[str, Any]:
    """What the circuit page draws: the circuit (its units labelled, by their instructors' `notes` where the store
    has no label), its grids, the pager, the colour scales it can switch to, and each family pair's weights by
    orientation difference."""
    data = labelled(load(reader, model, query), notes)
    found = circuit_public(data, query.rows)
    return {
        "model": model,
        "circuit": found,
        "grids": grids(found),
        "pager": pager(query),
        "scales": [(name, what, query.scaled(name).url) for name, what in SCALES.items()],
        "angle_plots": angle_plots(found, data.tensors),
        "json_url": found.api_url,
    }


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
