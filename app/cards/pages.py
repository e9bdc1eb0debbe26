"""Link-preview cards (the `og:image` of a page): a unit's stored card, or cards drawn here from stored images.

Drawn on the first request and kept by the response cache (app.web.cache keeps every `image/` 200), and as files in the
cache folder when one is set (app.cards.cache, MICROSCOPE_CACHE_DIR); never written into the store, which is
read-only media. A unit's card comes from precompute (precompute.cards) when the store has it;
an older store's units, and every layer, model and circuit, get one drawn with the same layout (store.cards).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app import routes
from app.circuit import query as circuit
from app.deps import LayerDep, ModelDep, Reader, UnitDep
from store.cards import Card, draw, mosaic, open_pictures, unit_card
from store.reader import StoreReader, units_of
from store.records import AssetRef, UnitSummary
from store.refs import UnitRef

router = APIRouter(include_in_schema=False)

PNG = "image/png"
CACHE = {"Cache-Control": "public, max-age=86400"}  # drawn from an unchanging store: a day is safe
TILES = 6


def _png(request: Request, draw: Callable[[], bytes]) -> Response:
    """The card at this address: from the cache folder, else drawn now (and written there when there is one)."""
    address = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    found = request.app.state.card_cache.card(address, draw)
    if isinstance(found, Path):
        return FileResponse(found, media_type=PNG, headers=CACHE)
    return Response(found, media_type=PNG, headers=CACHE)


def _files(reader: StoreReader, refs: list[AssetRef | None]) -> list[Path | None]:
    return [reader.asset_file(ref.sha256, ref.ext) if ref is not None else None for ref in refs]


def _thumbnails(reader: StoreReader, units: list[UnitSummary]) -> list[Path | None]:
    return _files(reader, [u.thumbnail for u in units])


@router.get(routes.UNIT_CARD.path, name=routes.UNIT_CARD.name, response_class=Response)
def unit_card_png(request: Request, reader: Reader, ctx: UnitDep) -> Response:
    """The unit's card: the stored one, else drawn from its channel visualization and top examples."""
    detail = ctx.detail
    stored = reader.asset_file(detail.card.sha256, detail.card.ext) if detail.card else None
    if stored is not None:
        return FileResponse(stored, media_type=PNG, headers=CACHE)
    vis = _files(reader, [detail.summary.thumbnail])[0]
    examples = [p for p in _files(reader, [e.asset for e in detail.dataset_examples[:TILES]]) if p is not None]
    ref = str(UnitRef(ctx.layer.name, ctx.unit))
    return _png(request, lambda: unit_card(ctx.model.id, ref, detail.summary.label, vis, examples))


@router.get(routes.LAYER_CARD.path, name=routes.LAYER_CARD.name, response_class=Response)
def layer_card_png(request: Request, reader: Reader, ctx: LayerDep) -> Response:
    """A layer's card: its first units' visualizations as a grid, its name, model and size."""
    layer = ctx.layer

    def drawn() -> bytes:
        hero = mosaic(open_pictures(_thumbnails(reader, reader.units(ctx.model.id, layer.name)[:16])))
        return draw(Card(title=layer.name, lines=[ctx.model.id, f"{layer.units} units · {layer.kind}"], hero=hero))

    return _png(request, drawn)


@router.get(routes.MODEL_CARD.path, name=routes.MODEL_CARD.name, response_class=Response)
def model_card_png(request: Request, reader: Reader, model_view: ModelDep) -> Response:
    """A model's card: one unit of each layer as a grid, its title and size."""

    def drawn() -> bytes:
        previews = reader.previews(model_view.id, 1)
        firsts = [units[0] for layer in model_view.layers if (units := previews.get(layer.name))]
        lines = [model_view.id, f"{len(model_view.layers)} layers · {model_view.architecture}"]
        return draw(Card(title=model_view.title, lines=lines, hero=mosaic(open_pictures(_thumbnails(reader, firsts)))))

    return _png(request, drawn)


@router.get(routes.CIRCUIT_CARD.path, name=routes.CIRCUIT_CARD.name, response_class=Response)
def circuit_card_png(request: Request, reader: Reader, model_view: ModelDep, units: str = "") -> Response:
    """A circuit's card: its units' visualizations as a grid, and its layers in forward order."""
    query = circuit.parse(model_view, units, "given", "")  # bad units are a 404 before any file is looked up

    def drawn() -> bytes:
        found = units_of(reader, model_view.id, {layer: list(chosen) for layer, chosen in query.groups})
        chosen = [found[layer][u] for layer, us in query.groups for u in us if u in found.get(layer, {})]
        hero = mosaic(open_pictures(_thumbnails(reader, chosen)))
        return draw(Card(title="Circuit", lines=[" → ".join(query.layers), model_view.id], hero=hero))

    return _png(request, drawn)
