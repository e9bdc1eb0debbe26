"""The cards stage: each unit's link-preview card (store.cards) drawn from its stored visualization and examples.

Cheap (no network, only Pillow): it runs last, once a layer's images exist, and redraws a layer only when the
images its cards show, or the card layout, changed since it last ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

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


def layer_cards(writer: StoreWriter, model: str, layer: str, sources: dict[int, CardSources]) -> dict[int, bytes]:
    """Every unit's card of one layer, as PNG bytes by unit."""
    assets = writer.location.assets
    cards = {}
    for unit, shown in sources.items():
        vis = asset_path(assets, shown.vis.sha256, shown.vis.ext) if shown.vis else None
        examples = [asset_path(assets, e.sha256, e.ext) for e in shown.examples]
        cards[unit] = unit_card(model, str(UnitRef(layer, unit)), shown.label, vis, examples)
    return cards


def cards_stage(writer: StoreWriter, model: str, layers: Sequence[str]) -> list[str]:
    """Draw and store the cards of every layer whose cards are missing or stale; the layers drawn."""
    drawn = []
    for layer in layers:
        sources = writer.card_sources(model, layer, EXAMPLES)
        settings = cards_settings(sources)
        if writer.stage_settings(model, layer, CARDS_STAGE) == settings:
            continue
        writer.put_cards(model, layer, layer_cards(writer, model, layer, sources), settings)
        drawn.append(layer)
    return drawn
