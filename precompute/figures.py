"""The figures stage: each unit page's figures (store.figures.unit) drawn once into the store, so that a page read
for the first time need not draw its plots, activation maps and kernels.

Cheap (no model, only the store): it runs last, over every stored layer of the model (a run that adds a layer changes
the outputs of the layer before it), and redraws a layer's figures only when one of the stages they are drawn from
finished with other settings, or the figures' version changed.
"""

from __future__ import annotations

import hashlib
import json

from precompute.progress import stage_bar
from store.figures.stored import pack
from store.figures.unit import FIGURES_VERSION, draw_unit
from store.records import CARDS_STAGE, FEATURE_VIS_STAGE, FIGURES_STAGE, Settings, stored_settings
from store.writer import StoreWriter

NOT_DRAWN_FROM = {FIGURES_STAGE, CARDS_STAGE, FEATURE_VIS_STAGE}  # stages whose results no figure shows


def figures_settings(writer: StoreWriter, model: str) -> Settings:
    """The stage's settings: the figures' version and a digest of the settings of every stage they are drawn from
    (any layer's: a unit's outputs come from the next layer's connections)."""
    sources = {
        f"{layer}/{stage}": s
        for (layer, stage), s in writer.reader.model_stages(model).items()
        if stage not in NOT_DRAWN_FROM
    }
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()
    return stored_settings({"version": FIGURES_VERSION, "sources_sha256": digest})


def layer_figures(writer: StoreWriter, model: str, layer: str) -> dict[int, bytes]:
    """Every unit's figures of one layer, as the store keeps them, by unit."""
    return {unit: pack(draw_unit(layer, detail)) for unit, detail in writer.reader.unit_details(model, layer).items()}


def figures_stage(writer: StoreWriter, model: str, *, progress: bool = True) -> list[str]:
    """Draw and store the figures of every stored layer of the model whose figures are missing or stale, a bar
    advancing per layer; the layers drawn."""
    settings = figures_settings(writer, model)
    layers = writer.reader.layer_names(model)
    todo = [layer for layer in layers if writer.reader.stage_settings(model, layer, FIGURES_STAGE) != settings]
    with stage_bar("unit figures", len(todo), "layer", enabled=progress) as bar:
        for layer in todo:
            bar.set_postfix_str(layer, refresh=False)
            writer.put_unit_figures(model, layer, layer_figures(writer, model, layer), settings)
            bar.update()
    return todo
