"""A circuit's query: the units of one to three consecutive layers, written `units=mixed3b:379,385;mixed4a:12`.

Parsing answers 400 naming what is wrong with the text (garbage, too many units or layers, layers that do not
join, an order that does not exist) and 404 for what the model lacks (a layer, a unit out of range), as every other
lookup of the app does. Repeated units are dropped, a layer written twice is merged, aliases (`3b`) are resolved
and layers are put in forward order: the page redirects to that canonical spelling, so one URL shows one view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from starlette.exceptions import HTTPException

from app import routes, urls
from app.deps import check_unit, find_layer, layer_names
from app.schemas import EdgePublic
from app.units.schemas import UnitPublic
from app.web.errors import NotFound
from store.records import LayerView, ModelView
from store.refs import resolve_layer

MAX_UNITS = 64  # per layer: a 64 × 64 grid of kernels is already more than a screen
MAX_LAYERS = 3
# Kernels of a grid a page draws at most, whole rows at a time: a grid of up to 8 columns is never cut, one of 64
# columns shows 8 rows a page: a 64 × 64 × 64 circuit is eight pages of two 8 × 64 grids (0.75 MB each, not 5 MB).
KERNELS_PER_PAGE = 512
MAX_DIGITS = 18  # a longer unit number is out of range whatever the layer; not converted (int() refuses huge text)
_LAYER = r"[A-Za-z0-9_.\-]+"
_GROUP = rf"\s*{_LAYER}\s*:\s*[0-9]+(?:\s*,\s*[0-9]+){{0,{MAX_UNITS - 1}}}\s*,?\s*"
# What `parse_units` accepts, published in the API's schema (tests check the two agree).
UNITS_PATTERN = rf"^{_GROUP}(?:;{_GROUP}){{0,{MAX_LAYERS - 1}}};?\s*$"
ORDER_PATTERN = r"^(given|svd[0-9]+|orientation)$"
ORIENTATION = "orientation"  # the unit score that orders units by preferred orientation, once measured
# How a grid's kernels share a colour scale: the layer pair's cells one scale (the default), or each row its own.
SCALES = {
    "pair": "one scale for every cell of a layer pair",
    "row": "each row (a later unit's inputs) on its own scale",
}
DEFAULT_SCALE, PER_ROW = "pair", "row"
EXAMPLE = "mixed3b:379,385,343;mixed4a:12"
FORMAT_HELP = (
    f"write units=layer:unit,unit;layer:unit with the units of 1–{MAX_LAYERS} consecutive layers in forward order, "
    f"at most {MAX_UNITS} per layer, e.g. units={EXAMPLE}"
)
ORDER_HELP = "order is 'given' (as listed), 'svdK' (by the layer pair's SVD component K, 1 the first) or 'orientation'"
SCALE_HELP = "scale is " + " or ".join(f"'{name}' ({what})" for name, what in SCALES.items())
PAGE_HELP = (
    f"page is the page of the grids' rows to draw (at most {KERNELS_PER_PAGE} kernels a grid): 1 (the default), 2, …"
)

Group = tuple[str, tuple[int, ...]]


class BadCircuit(HTTPException):
    """A 400 saying what is wrong with a circuit's query, with links for the HTML page."""

    def __init__(self, detail: str, links: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(status_code=400, detail=detail)
        self.links = list(links)


@dataclass(frozen=True)
class CircuitQuery:
    """Units of consecutive layers of a model, layer by layer in forward order, and the order to show them in."""

    model: str
    groups: tuple[Group, ...]
    order: str = "given"
    page: int = 1  # of the grids' rows, `rows_per_page` a page (the page only: the JSON holds every row)
    scale: str = DEFAULT_SCALE  # one of SCALES

    @property
    def rows_per_page(self) -> int:
        """Rows of each grid a page draws: as many as keep the widest grid within KERNELS_PER_PAGE kernels."""
        columns = max((len(units) for _, units in self.groups[:-1]), default=1)
        return max(1, KERNELS_PER_PAGE // columns)

    @property
    def pages(self) -> int:
        """How many pages the grids' rows take (1 for a circuit of one layer)."""
        rows = max((len(units) for _, units in self.groups[1:]), default=0)
        return max(1, -(-rows // self.rows_per_page))

    @property
    def rows(self) -> slice:
        """The rows of each grid this page draws (positions in the later layer's order)."""
        return slice((self.page - 1) * self.rows_per_page, self.page * self.rows_per_page)

    def on_page(self, page: int) -> CircuitQuery:
        """The same circuit at another page (the last one when `page` is beyond it)."""
        return replace(self, page=min(max(page, 1), self.pages))

    @property
    def layers(self) -> list[str]:
        """The layer names, in forward order."""
        return [layer for layer, _ in self.groups]

    @property
    def units(self) -> str:
        """The canonical `units` value."""
        return urls.circuit_units(self.groups)

    @property
    def url(self) -> str:
        """The canonical page URL."""
        return urls.circuit_page(self.model, self.groups, self.order, self.page, self.scale)

    @property
    def api_url(self) -> str:
        """The canonical JSON URL."""
        return urls.api_circuit(self.model, self.groups, self.order, self.scale)

    def scaled(self, scale: str) -> CircuitQuery:
        """The same circuit, page and order with its kernels on another colour scale."""
        return replace(self, scale=scale)

    def without(self, layer: str, unit: int) -> CircuitQuery | None:
        """The circuit without one unit (its layer dropped with its last unit), or None when that breaks it."""
        groups = [(name, tuple(u for u in units if not (name == layer and u == unit))) for name, units in self.groups]
        kept = [group for group in groups if group[1]]
        emptied_inside = any(not units for _, units in groups[1:-1])
        if not kept or emptied_inside:
            return None
        return replace(self, groups=tuple(kept)).on_page(self.page)


def parse_units(text: str, name: str = "units") -> list[tuple[str, list[int]]]:
    """The (layer as written, units as listed) groups of a `units` value; 400 saying what is wrong otherwise."""
    if not text.strip():
        raise BadCircuit(f"no units given; {FORMAT_HELP}")
    parts = text.split(";")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()  # one trailing ';' is allowed
    if len(parts) > MAX_LAYERS:
        raise BadCircuit(f"at most {MAX_LAYERS} layers in a circuit; {name} lists {len(parts)}; {FORMAT_HELP}")
    return [_parse_group(part, name) for part in parts]


def _parse_group(part: str, name: str) -> tuple[str, list[int]]:
    layer, colon, listed = (piece.strip() for piece in part.partition(":"))
    if not colon or not re.fullmatch(_LAYER, layer):
        raise BadCircuit(f"{name}: {_shown(part.strip())} is not 'layer:unit,unit,…'; {FORMAT_HELP}")
    items = listed.split(",")
    if len(items) > 1 and not items[-1].strip():
        items.pop()  # one trailing ',' is allowed
    if len(items) > MAX_UNITS:
        raise BadCircuit(f"at most {MAX_UNITS} units per layer; {layer} lists {len(items)}")
    bad = next((item.strip() for item in items if not re.fullmatch(r"[0-9]+", item.strip())), None)
    if bad is not None:
        raise BadCircuit(f"{name}: {_shown(bad)} in {layer} is not a unit number (an integer ≥ 0); {FORMAT_HELP}")
    return layer, [_number(item.strip()) for item in items]


def _shown(text: str, limit: int = 60) -> str:
    """The text quoted for an error message, cut short: a message never repeats a megabyte of garbage."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _number(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS


def parse_order(text: str) -> str:
    """The order's name ('given', 'svd1', 'orientation'); 400 otherwise."""
    order = text.strip() or "given"
    if not re.fullmatch(ORDER_PATTERN, order):
        raise BadCircuit(f"unknown order {_shown(text)}; {ORDER_HELP}")
    return order


def parse_scale(text: str) -> str:
    """The colour scale's name ('pair' when not given); 400 listing the scales otherwise."""
    scale = text.strip() or DEFAULT_SCALE
    if scale not in SCALES:
        raise BadCircuit(f"unknown scale {_shown(text)}; {SCALE_HELP}")
    return scale


def parse_page(text: str) -> int:
    """The page's number (1 when not given); 400 otherwise."""
    page = text.strip() or "1"
    if not re.fullmatch(r"[0-9]{1,4}", page) or int(page) < 1:
        raise BadCircuit(f"unknown page {_shown(text)}; {PAGE_HELP}")
    return int(page)


def resolve(model: ModelView, written: Sequence[tuple[str, Sequence[int]]], order: str = "given") -> CircuitQuery:
    """The circuit the groups name in the model: layers resolved and joined, units checked, merged and deduplicated."""
    merged: dict[str, list[int]] = {}
    found: dict[str, LayerView] = {}
    for name, units in written:
        layer = _find_layer(model, name)
        found[layer.name] = layer
        kept = merged.setdefault(layer.name, [])
        for unit in units:
            if unit not in kept:
                kept.append(unit)
    layers = sorted(found.values(), key=lambda layer: layer.position)
    for layer in layers:
        if len(merged[layer.name]) > MAX_UNITS:
            raise BadCircuit(f"at most {MAX_UNITS} units per layer; {layer.name} lists {len(merged[layer.name])}")
        for unit in merged[layer.name]:
            check_unit(model, layer, unit)
    check_consecutive(model, layers)
    return CircuitQuery(model.id, tuple((layer.name, tuple(merged[layer.name])) for layer in layers), order)


def _find_layer(model: ModelView, name: str) -> LayerView:
    try:
        return find_layer(model, resolve_layer(name, layer_names(model)))
    except KeyError:
        return find_layer(model, name)  # raises the 404 naming the layers


def check_consecutive(model: ModelView, layers: Sequence[LayerView]) -> None:
    """400 unless each layer computes from the one before it."""
    if len(layers) > MAX_LAYERS:
        raise BadCircuit(f"at most {MAX_LAYERS} layers in a circuit; got {len(layers)}")
    for earlier, later in zip(layers, layers[1:], strict=False):
        if later.previous != earlier.name:
            computes = f"computes from {later.previous}" if later.previous else "is the model's first layer"
            raise BadCircuit(
                f"{earlier.name} and {later.name} are not consecutive: {later.name} {computes}, not {earlier.name}; "
                "a circuit joins each layer to the one it computes from",
                [
                    (f"{layer.name} (all units)", urls.path(routes.LAYER, model=model.id, layer=layer.name))
                    for layer in layers
                ],
            )


def parse(
    model: ModelView, units: str, order: str = "given", add: str = "", page: str = "", scale: str = ""
) -> CircuitQuery:
    """The circuit a request names: its `units`, any units to `add` (the page's form: back to page 1), its order,
    page and colour scale; a page beyond the last is a 404 naming how many there are."""
    written = parse_units(units)
    number, scaled = parse_page(page), parse_scale(scale)
    if add.strip():
        written += parse_units(add, name="add")
        number = 1
    query = resolve(model, written, parse_order(order))
    if number > query.pages:
        first = query.on_page(1)
        raise NotFound(f"no page {number}: the grids of this circuit take {query.pages}", [("page 1", first.url)])
    return replace(query, page=number, scale=scaled)


def canonical_params(query: CircuitQuery) -> list[tuple[str, str]]:
    """The query parameters of the circuit's canonical URL, in order."""
    order = [("order", query.order)] if query.order != "given" else []
    page = [("page", str(query.page))] if query.page > 1 else []
    return [("units", query.units), *order, *page, *([("scale", query.scale)] if query.scale != DEFAULT_SCALE else [])]


def unit_circuits(unit: UnitPublic, count: int = 8) -> list[tuple[str, str]]:
    """(text, URL) of the circuits a unit page opens: the unit with its strongest inputs, and with its outputs.

    Edges come strongest first; a circuit takes those into (or out of) the strongest edge's layer.
    """
    here: Group = (unit.layer, (unit.unit,))
    links = []
    if unit.inputs:
        source = _strongest(unit.inputs, count)
        links.append((f"with its {len(source[1])} strongest inputs", urls.circuit_page(unit.model, [source, here])))
    if unit.outputs:
        target = _strongest(unit.outputs, count)
        links.append((f"with its {len(target[1])} strongest outputs", urls.circuit_page(unit.model, [here, target])))
    return links


def _strongest(edges: Sequence[EdgePublic], count: int) -> Group:
    layer = edges[0].layer
    units = list(dict.fromkeys(edge.unit for edge in edges if edge.layer == layer))
    return layer, tuple(units[:count])
