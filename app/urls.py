"""The only place URL paths are formatted: `path(route, query, **params)` for every route of `app.routes`, and the
few URLs that compute more than a format (assets at a static host, circuits' unit lists, a tour's stop)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from urllib.parse import quote, urlencode

from app import routes
from app.routes import Route
from store.paths import asset_key
from store.records import AssetRef

API = routes.API
# Where asset URLs point while a request is answered: None for this service's /assets, else a static host's base URL
# (MICROSCOPE_ASSET_BASE_URL). Set per request by app.web.asset_host, so presenters build URLs without being told.
_ASSET_BASE: ContextVar[str | None] = ContextVar("asset_base", default=None)
# What stays readable in the address bar: a unit reference's ':' (and the '@' of 'model@layer:unit') and an
# experiment's ':' and ',' in a path; a model list's commas and a return path's slashes in a query. Everything else
# is quoted.
_READABLE_SEGMENTS = {"ref": ":@", "spec": ":,"}
_READABLE_VALUES = {"models": ",", "next": "/"}


@cache
def _params(template: str) -> frozenset[str]:
    return frozenset(re.findall(r"{(\w+)}", template))


def _segment(name: str, value: str | int) -> str:
    return quote(str(value), safe=_READABLE_SEGMENTS.get(name, ""))


def _query(query: Mapping[str, str | int | None]) -> str:
    given = [(name, str(value)) for name, value in query.items() if value is not None]
    return "&".join(urlencode({name: value}, safe=_READABLE_VALUES.get(name, "")) for name, value in given)


def path(route: Route | str, query: Mapping[str, str | int | None] | None = None, /, **params: str | int) -> str:
    """The path of `route` (a `Route`, or its name as templates write it) with each `{param}` quoted from `params`,
    then the values of `query` that are not None; what Starlette's `url_path_for(name, **params)` builds."""
    found = routes.named(route) if isinstance(route, str) else route
    if set(params) != _params(found.path):
        raise TypeError(
            f"route {found.name!r} ({found.path}) takes {sorted(_params(found.path))}, got {sorted(params)}"
        )
    formatted = found.format(**{name: _segment(name, value) for name, value in params.items()})
    encoded = _query(query or {})
    return f"{formatted}?{encoded}" if encoded else formatted


def tour_present(slug: str, stop: int | None = None) -> str:
    """A tour's presentation mode, at stop `stop` (1-based, a fragment its player reads) when given."""
    at = path(routes.TOUR_PRESENT, slug=slug)
    return f"{at}#stop-{stop}" if stop else at


@contextmanager
def asset_base(base: str | None) -> Iterator[None]:
    """Inside the block, assets are at `base` + their key (`ab/ab….png`, as `microscope assets sync` lays them out)."""
    token = _ASSET_BASE.set(base.rstrip("/") if base else None)
    try:
        yield
    finally:
        _ASSET_BASE.reset(token)


def asset(ref: AssetRef) -> str:
    """A content-addressed file (image or tensor): at the static host when one is set, else at this service."""
    base = _ASSET_BASE.get()
    if base is not None:
        return f"{base}/{asset_key(ref.sha256, ref.ext)}"
    return path(routes.ASSET, sha256=ref.sha256, ext=ref.ext)


def maybe_asset(ref: AssetRef | None) -> str | None:
    """The asset's URL, or None when there is no asset."""
    return asset(ref) if ref is not None else None


def static(file: str) -> str:
    """A static file of the frontend (CSS, JS): a file below the mount, not a parameter of a route."""
    return f"{routes.STATIC.path}/{file}"


def circuit_units(groups: Sequence[tuple[str, Sequence[int]]]) -> str:
    """A circuit's `units` value: 'mixed3b:379,385;mixed4a:12', layer by layer in forward order."""
    return ";".join(f"{layer}:{','.join(str(u) for u in units)}" for layer, units in groups)


def _units_query(units: str) -> str:
    # ':', ',' and ';' stay readable: the address bar shows the unit list as it is typed.
    return "units=" + quote(units, safe=":,;")


def _circuit(
    route: Route,
    model: str,
    groups: Sequence[tuple[str, Sequence[int]]],
    order: str | None,
    page: int = 1,
    scale: str | None = None,
) -> str:
    query = _units_query(circuit_units(groups))
    if order and order != "given":
        query += "&order=" + quote(order, safe="")
    if page > 1:
        query += f"&page={page}"
    if scale and scale != "pair":
        query += "&scale=" + quote(scale, safe="")
    return f"{path(route, model=model)}?{query}"


def circuit_page(
    model: str,
    groups: Sequence[tuple[str, Sequence[int]]],
    order: str | None = None,
    page: int = 1,
    scale: str | None = None,
) -> str:
    """A circuit's page (of its grids' rows, app.circuit.query.KERNELS_PER_PAGE a grid): the kernels between units of
    consecutive layers, as grids; the default order, the first page and the default colour scale are left out."""
    return _circuit(routes.CIRCUIT, model, groups, order, page, scale)


def api_circuit(
    model: str, groups: Sequence[tuple[str, Sequence[int]]], order: str | None = None, scale: str | None = None
) -> str:
    """A circuit as JSON."""
    return _circuit(routes.API_CIRCUIT, model, groups, order, scale=scale)


def circuit_card(model: str, units: str) -> str:
    """A circuit's link-preview card, for its canonical `units` value (the order does not change what it shows)."""
    return f"{path(routes.CIRCUIT_CARD, model=model)}?{_units_query(units)}"
