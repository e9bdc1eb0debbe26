"""What a chat client shows for a pasted link: each page's OpenGraph and Twitter-card meta (base.html draws them).

Every URL here is absolute, built from the request's base URL: app.web.security.FixedOrigin sets that to the
configured public URL (MICROSCOPE_PUBLIC_URL) behind a proxy, else to the address the connection reached.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin

from fastapi import Request

from app import routes, urls
from app.circuit.schemas import CircuitPublic
from app.deps import LayerContext, UnitContext
from app.units.schemas import UnitPublic
from store.records import ModelView

TOP_CLASSES = 3


@dataclass(frozen=True)
class Preview:
    """A page's link preview: title, one-line description, card image and canonical URL, all absolute."""

    title: str
    description: str
    image: str
    url: str
    type: str = "website"


def absolute(request: Request, path: str) -> str:
    """`path` (site-rooted) as an absolute URL at the address users reach the service at; absolute URLs as given."""
    return urljoin(str(request.base_url), path)


def link_preview(request: Request, title: str, parts: list[str], image: str, url: str) -> Preview:
    """A preview from its title, the parts of its description (empty ones left out), its card and its page."""
    description = " · ".join(part for part in parts if part)
    return Preview(title, description, absolute(request, image), absolute(request, url))


def unit_preview(request: Request, ctx: UnitContext, unit: UnitPublic) -> Preview:
    """A unit: its ref and label; its layer, model and the classes of its top examples; its card."""
    labels = Counter(e.label for e in ctx.detail.dataset_examples if e.label)
    classes = ", ".join(label for label, _ in labels.most_common(TOP_CLASSES))
    card = ctx.detail.card
    image = (
        urls.asset(card)
        if card is not None
        else urls.path(routes.UNIT_CARD, model=ctx.model.id, layer=unit.layer, unit=unit.unit)
    )
    title = f"{unit.ref} ({unit.label}) · {ctx.model.id}" if unit.label else f"{unit.ref} · {ctx.model.id}"
    parts = [unit.label or "", f"unit {unit.unit} of layer {unit.layer} of {ctx.model.title}"]
    parts.append(f"top classes: {classes}" if classes else "")
    return link_preview(request, title, parts, image, unit.url)


def layer_preview(request: Request, ctx: LayerContext) -> Preview:
    """A layer: its name and model, its size and kind; a grid of its first units."""
    layer, model = ctx.layer, ctx.model
    parts = [f"layer {layer.name} of {model.title}", f"{layer.units} units", layer.kind]
    url = urls.path(routes.LAYER, model=model.id, layer=layer.name)
    return link_preview(
        request,
        f"{layer.name} · {model.id}",
        parts,
        urls.path(routes.LAYER_CARD, model=model.id, layer=layer.name),
        url,
    )


def model_preview(request: Request, model: ModelView) -> Preview:
    """A model: its title, architecture and layer count; a unit of each layer."""
    parts = [model.architecture, f"{len(model.layers)} layers", model.description]
    url = urls.path(routes.MODEL, model=model.id)
    return link_preview(
        request, f"{model.title} · Microscope", parts, urls.path(routes.MODEL_CARD, model=model.id), url
    )


def circuit_preview(request: Request, model: ModelView, found: CircuitPublic) -> Preview:
    """A circuit: its layers in forward order and how many units; its units as a grid."""
    layers = [layer.name for layer in found.layers]
    count = sum(len(layer.units) for layer in found.layers)
    parts = [f"circuit of {count} units of {model.title}", " → ".join(layers)]
    title = f"Circuit {' → '.join(layers)} · {model.id}"
    return link_preview(request, title, parts, urls.circuit_card(model.id, found.units), found.url)
