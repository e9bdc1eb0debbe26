"""The cards stage: each unit's link-preview card (store.cards) drawn from its stored visualization and examples.

Cheap (no network, only Pillow): it runs last, once a layer's images exist, and redraws a layer only when the
images its cards show, or the card layout, changed since it last ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from precompute.progress import stage_bar
from store.cards import CARD_VERSION, TILE_COLUMNS, TILE_ROWS, unit_card
from store.paths import asset_path
from store.records import CARDS_STAGE, CardSources, Settings, stored_settings
from store.refs import UnitRef
from store.writer import StoreWriter

EXAMPLES = TILE_COLUMNS * TILE_ROWS  # top examples a card shows


def cards_settings(sources: dict[int, CardSources]) -> Settings:
    """The stage's settings for a layer: the layout version and a digest of everything its cards show."""
    shown = {unit: [s.label, s.vis and s.vis.sha256, [e.sha256 for e in s.examples]] for unit, s in sources.items()}
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()
    return stored_settings({"version": CARD_VERSION, "examples": EXAMPLES, "sources_sha256": digest})


def layer_cards(
    writer: StoreWriter,
    model: str,
    layer: str,
    sources: dict[int, CardSources],
    on_card: Callable[[], object] | None = None,
) -> dict[int, bytes]:
    """Every unit's card of one layer, as PNG bytes by unit; `on_card` runs after each."""
    assets = writer.location.assets
    cards = {}
    for unit, shown in sources.items():
        vis = asset_path(assets, shown.vis.sha256, shown.vis.ext) if shown.vis else None
        examples = [asset_path(assets, e.sha256, e.ext) for e in shown.examples]
        cards[unit] = unit_card(model, str(UnitRef(layer, unit)), shown.label, vis, examples)
        if on_card is not None:
            on_card()
    return cards


def cards_stage(writer: StoreWriter, model: str, layers: Sequence[str], *, progress: bool = True) -> list[str]:
    """Draw and store the cards of every layer whose cards are missing or stale, with a bar over their units (a
    layer's cards are committed together); the layers drawn."""
    stale = {}
    for layer in layers:
        sources = writer.reader.card_sources(model, layer, EXAMPLES)
        settings = cards_settings(sources)
        if writer.reader.stage_settings(model, layer, CARDS_STAGE) != settings:
            stale[layer] = (sources, settings)
    total = sum(len(sources) for sources, _ in stale.values())
    with stage_bar("link-preview cards", total, "card", enabled=progress) as bar:
        for layer, (sources, settings) in stale.items():
            bar.set_postfix_str(layer, refresh=False)
            writer.put_cards(model, layer, layer_cards(writer, model, layer, sources, lambda: bar.update(1)), settings)
    return list(stale)
