"""The layer grid's order and filter, from GET parameters the page and its JSON share (`?sort=-bw_ratio&min_bw=0.7`).

Sorts: `unit` (the default), any declared score (store.scores, e.g. `bw_ratio`), and `svdK`: each unit's
coordinate on the K-th component (1 = the first) of the SVD of the weights into the layer (`svd.dst[unit][K-1]`).
A `-` before the key sorts descending. Units without a value — a score not measured for them, a layer without
stored weights or without a K-th component — come last, in unit order, and the page says so.
Filter: `min_bw` and `max_bw` bound bw_ratio, both inclusive; once either is given, units without it are left out.
`grid_query` reads the parameters (a 400 on bad ones), `arrange` applies them, `grid_public` presents them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.exceptions import HTTPException

from app import routes, urls
from app.deps import LayerDep
from app.units.schemas import GridPublic, SortPublic
from store.records import SvdRecord, UnitSummary, WeightsView
from store.scores import BW_RATIO, SCORES

UNIT = "unit"
SVD = "svd"
MAX_COMPONENT_DIGITS = 2  # svd1 … svd99: more components than any stored pair keeps
SORT_PATTERN = rf"^-?({UNIT}|{'|'.join(SCORES)}|{SVD}[1-9][0-9]{{0,{MAX_COMPONENT_DIGITS - 1}}})$"
SORT_HELP = (
    f"'{UNIT}' (the default), a score ({', '.join(SCORES)}) or '{SVD}K' (the units' coordinates on the K-th SVD "
    "component of the weights into the layer, 1 = the first); '-' first sorts descending"
)
BOUND_HELP = "a number from 0 to 1"


class BadGridQuery(HTTPException):
    """A 400 naming the bad parameter and what it takes, linking to the grid in unit order on the HTML page."""

    def __init__(self, detail: str, links: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(status_code=400, detail=detail)
        self.links = list(links)


@dataclass(frozen=True)
class GridQuery:
    """Which units the grid shows and in what order."""

    sort: str = UNIT
    min_bw: float | None = None
    max_bw: float | None = None

    @property
    def key(self) -> str:
        """The sort key without its direction: 'unit', a score name or 'svdK'."""
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        """Whether the largest values come first."""
        return self.sort.startswith("-")

    @property
    def filtered(self) -> bool:
        """Whether a bound on bw_ratio leaves units out."""
        return self.min_bw is not None or self.max_bw is not None

    @property
    def arranged(self) -> bool:
        """Whether the grid differs from every unit in unit order."""
        return self.sort != UNIT or self.filtered

    def params(self) -> dict[str, str | None]:
        """The query parameters that reproduce this view (none for the default)."""
        return {
            "sort": self.sort if self.sort != UNIT else None,
            "min_bw": _number(self.min_bw),
            "max_bw": _number(self.max_bw),
        }

    def keeps(self, unit: UnitSummary) -> bool:
        """Whether the filter keeps the unit."""
        if not self.filtered:
            return True
        value = unit.scores.get(BW_RATIO.name)
        low = -math.inf if self.min_bw is None else self.min_bw
        high = math.inf if self.max_bw is None else self.max_bw
        return value is not None and low <= value <= high


UNIT_ORDER = GridQuery()  # every unit, in unit order


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def parse_sort(text: str) -> str:
    """The sort key `text` names ('' is the default), or a 400 saying which keys exist."""
    if not text:
        return UNIT
    if re.fullmatch(SORT_PATTERN, text) is None:
        raise BadGridQuery(f"sort: unknown sort {text!r}; valid: {SORT_HELP}")
    return text


def parse_bound(name: str, text: str) -> float | None:
    """A bound on bw_ratio ('' is none), or a 400 saying what it takes."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise BadGridQuery(f"{name}: expected {BOUND_HELP} (bw_ratio's range), got {text!r}")
    return value


# An empty value — what a form's blank field sends — means the default (unit order, no bound); the schemas say so.
SortText = Annotated[
    str,
    Query(description=f"the grid's order: {SORT_HELP}", json_schema_extra={"pattern": f"^$|{SORT_PATTERN}"}),
]


def _bound_schema(schema: dict[str, Any]) -> None:
    # Documented as the number it is (or empty); parsed here, so that anything else is a 400 naming the range.
    schema.pop("type", None)
    schema["anyOf"] = [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "maxLength": 0}]


BoundText = Annotated[
    str,
    Query(
        description=f"keep units whose {BW_RATIO.name} is at least this ({BOUND_HELP})",
        json_schema_extra=_bound_schema,
    ),
]
UpperText = Annotated[
    str,
    Query(
        description=f"keep units whose {BW_RATIO.name} is at most this ({BOUND_HELP})", json_schema_extra=_bound_schema
    ),
]


def grid_query(ctx: LayerDep, sort: SortText = "", min_bw: BoundText = "", max_bw: UpperText = "") -> GridQuery:
    """The grid's order and filter from the request, or a 400 linking to the layer in unit order."""
    try:
        return GridQuery(parse_sort(sort), parse_bound("min_bw", min_bw), parse_bound("max_bw", max_bw))
    except BadGridQuery as bad:
        page = urls.path(routes.LAYER, model=ctx.model.id, layer=ctx.layer.name)
        raise BadGridQuery(bad.detail, [(f"{ctx.layer.name}, every unit in unit order", page)]) from None


GridDep = Annotated[GridQuery, Depends(grid_query)]


def component(key: str) -> int | None:
    """The 0-based SVD component an 'svdK' key names, or None for other keys."""
    return int(key.removeprefix(SVD)) - 1 if key.startswith(SVD) else None


def sort_value(unit: UnitSummary, key: str, svd: SvdRecord | None) -> float | None:
    """The unit's value under the sort key: its number, a score, or its SVD coordinate (None when it has none)."""
    if key == UNIT:
        return float(unit.unit)
    k = component(key)
    if k is None:
        return unit.scores.get(key)
    if svd is None or k >= svd.components or unit.unit >= len(svd.dst):
        return None
    return svd.dst[unit.unit][k]


def arrange(
    units: Sequence[UnitSummary], query: GridQuery, svd: SvdRecord | None
) -> list[tuple[UnitSummary, float | None]]:
    """The units the filter keeps, in the query's order, each with its sort value; those without one last."""
    kept = [(unit, sort_value(unit, query.key, svd)) for unit in units if query.keeps(unit)]
    sign = -1.0 if query.descending else 1.0
    return sorted(kept, key=lambda pair: (pair[1] is None, sign * (pair[1] or 0.0), pair[0].unit))


def sort_choices(units: Sequence[UnitSummary], weights: WeightsView | None) -> list[tuple[str, str]]:
    """(sort, title) of the orders that mean something for this layer: unit, its measured scores, its components."""
    choices = [(UNIT, "unit number")]
    for score in SCORES.values():
        if any(score.name in unit.scores for unit in units):
            lowest, highest = f"{score.title}, lowest first", f"{score.title}, highest first"
            choices += [(score.name, lowest), (f"-{score.name}", highest)]
    for k in range(weights.svd.components if weights else 0):
        title = f"SVD component {k + 1} of the weights from {weights.source}"  # type: ignore[union-attr]
        choices += [(f"-{SVD}{k + 1}", f"{title}, highest first"), (f"{SVD}{k + 1}", f"{title}, lowest first")]
    return choices


def note(query: GridQuery, arranged: Sequence[tuple[UnitSummary, float | None]], weights: WeightsView | None) -> str:
    """What a reader of the sorted grid should know: why units keep unit order, or how many have no value."""
    missing = sum(value is None for _, value in arranged)
    if query.key == UNIT or not missing:
        return ""
    k = component(query.key)
    if k is not None and weights is None:
        why = "no weights into this layer are stored"
    elif k is not None and weights is not None and k >= weights.svd.components:
        why = f"the weights from {weights.source} keep {weights.svd.components} SVD components"
    elif missing == len(arranged):
        why = f"{query.key} is not measured for these units"
    else:
        one = missing == 1
        return f"{missing} unit{'' if one else 's'} without a {query.key} come{'s' if one else ''} last, in unit order."
    return f"Units in unit order: {why}."


def grid_public(
    model: str,
    layer: str,
    units: Sequence[UnitSummary],
    weights: WeightsView | None,
    grid: GridQuery,
    arranged: Sequence[tuple[UnitSummary, float | None]],
) -> GridPublic:
    """The grid's order and filter, the orders the layer offers (each a link keeping the filter), and its URLs."""
    params = grid.params()
    sorts = [
        SortPublic(
            sort=key,
            title=title,
            url=urls.path(routes.LAYER, {**params, "sort": _sort_param(key)}, model=model, layer=layer),
        )
        for key, title in sort_choices(units, weights)
    ]
    return GridPublic(
        sort=grid.sort,
        min_bw=grid.min_bw,
        max_bw=grid.max_bw,
        shown=len(arranged),
        note=note(grid, arranged, weights),
        sorts=sorts,
        url=urls.path(routes.LAYER, params, model=model, layer=layer),
        api_url=urls.path(routes.API_LAYER, params, model=model, layer=layer),
    )


def _sort_param(key: str) -> str | None:
    return None if key == UNIT else key
