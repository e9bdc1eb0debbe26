"""The only place URL paths are formatted: pages, their JSON twins, unit references and assets."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from store.records import AssetRef

API = "/api/v1"


def _seg(value: str | int) -> str:
    return quote(str(value), safe="")


def index() -> str:
    """The model list."""
    return "/"


def model_page(model: str) -> str:
    """A model's page."""
    return f"/models/{_seg(model)}"


def layer_page(model: str, layer: str) -> str:
    """A layer's page: every unit as a grid."""
    return f"{model_page(model)}/layers/{_seg(layer)}"


def unit_page(model: str, layer: str, unit: int) -> str:
    """A unit's canonical page."""
    return f"{layer_page(model, layer)}/units/{unit}"


def unit_ref_redirect(model: str, ref: str) -> str:
    """A unit reference ('layer:unit' or an alias) that redirects to the canonical unit page."""
    return f"{model_page(model)}/units/{quote(ref, safe=':@')}"


def unit_search(model: str, ref: str | None = None) -> str:
    """The search form's target on a model's pages (with `ref` when given)."""
    base = f"{model_page(model)}/units"
    return f"{base}?{urlencode({'ref': ref})}" if ref is not None else base


def search(q: str | None = None) -> str:
    """The site-wide search ('model/layer:unit')."""
    return f"/search?{urlencode({'q': q})}" if q is not None else "/search"


def api_search(q: str | None = None) -> str:
    """Units whose hand labels contain `q`, as JSON."""
    return f"{API}/search?{urlencode({'q': q})}" if q is not None else f"{API}/search"


def api_root() -> str:
    """The API root: format version and models."""
    return API


def api_models() -> str:
    """The model list as JSON."""
    return f"{API}/models"


def api_model(model: str) -> str:
    """A model as JSON."""
    return API + model_page(model)


def api_layer(model: str, layer: str) -> str:
    """A layer as JSON."""
    return API + layer_page(model, layer)


def api_unit(model: str, layer: str, unit: int) -> str:
    """A unit as JSON."""
    return API + unit_page(model, layer, unit)


def api_unit_ref_redirect(model: str, ref: str) -> str:
    """A unit reference that redirects to the canonical unit JSON."""
    return API + unit_ref_redirect(model, ref)


def asset(ref: AssetRef) -> str:
    """A content-addressed image file."""
    return f"/assets/{ref.sha256}.{ref.ext}"


def maybe_asset(ref: AssetRef | None) -> str | None:
    """The asset's URL, or None when there is no asset."""
    return asset(ref) if ref is not None else None


def static(path: str) -> str:
    """A static file of the frontend (CSS, JS)."""
    return f"/static/{path}"
