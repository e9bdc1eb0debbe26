"""Orchestration: model → layers → dataset examples → connections → feature visualizations → store; resumable.

Every stage commits as it goes (feature visualizations per batch of units, the other stages per layer) and
records the settings it ran with, so a re-run skips what is stored and an interrupted run resumes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from precompute.connections import edge_records, expanded_weights
from precompute.examples import collect_top_examples, example_records, spatial_max
from precompute.hooks import LayerTap
from precompute.imagenette import resolve_images
from precompute.images import scan_images, tensor_to_png
from precompute.layers import LayerInfo, probe_layers
from precompute.optvis import RenderSettings, channel, render
from precompute.unit_labels import LabelImport, import_unit_labels, read_label_folder
from precompute.zoo import LoadedModel, load_model
from store.records import (
    CHANNEL_OBJECTIVE,
    CONNECTIONS_STAGE,
    EXAMPLES_STAGE,
    FEATURE_VIS_STAGE,
    FeatureVisRecord,
    ModelRecord,
)
from store.writer import StoreWriter

DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class PrecomputeConfig:
    """What to precompute and how; every default is the one `microscope precompute` uses."""

    model: str  # zoo id or path of a .toml model card
    store: Path = Path("var/store")  # store folder (created if missing)
    weights: Path | None = None  # weights file replacing the entry's own
    labels: Path | None = None  # class names, one per line, replacing the entry's own
    images: Path | None = None  # folder of images for dataset examples, or "imagenette" (none: skip them)
    layers: tuple[str, ...] | None = None  # browsable layers to compute (none: the model's default layers)
    unit_labels: Path | None = None  # folder of hand-made unit labels (<layer>.json families) to import
    device: str = "cpu"
    steps: int = 512  # Lucid's standard optimization length
    size: int | None = None  # feature-vis side in px (none: the model's own choice, e.g. 32 for CIFAR nets)
    top_k: int = 16  # dataset examples kept per unit
    max_images: int | None = None  # cap on images used, taken class by class in turn (none: all)
    top_edges: int = 8  # strongest positive and negative connections kept per unit and side
    vis_batch: int = 64  # units optimized together in one batch
    image_batch: int = 64  # images per forward pass when collecting examples
    seed: int = 0
    progress: bool = True


@dataclass
class PrecomputeSummary:
    """What a run did."""

    model: str
    layers: list[str]
    examples_layers: list[str] = field(default_factory=list)
    connection_layers: list[str] = field(default_factory=list)
    rendered_units: int = 0
    unit_labels: LabelImport | None = None

    def describe(self, store: Path) -> str:
        """One line saying what the run did (and one more for imported unit labels)."""
        line = (
            f"{self.model}: {len(self.layers)} layers; dataset examples for {len(self.examples_layers)}, "
            f"connections for {len(self.connection_layers)}, {self.rendered_units} units rendered. Store: {store}"
        )
        return line + (f"\n{self.unit_labels.describe(self.model)}" if self.unit_labels else "")


def _json(value: dict[str, Any]) -> dict[str, Any]:
    # Stored settings come back through JSON; normalize ours the same way so comparisons are exact.
    return json.loads(json.dumps(value))


def check_device(device: str) -> torch.device:
    """The torch device for `device`; ValueError naming the valid choices otherwise."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available on this machine; use --device cpu")
    return torch.device(device)


def run_precompute(config: PrecomputeConfig) -> PrecomputeSummary:
    """Precompute every view of the chosen layers of `config.model` into `config.store`."""
    device = check_device(config.device)
    unit_labels = read_label_folder(config.unit_labels) if config.unit_labels is not None else None
    model = load_model(config.model, config.weights, config.labels)
    if config.images is not None:
        config = replace(config, images=resolve_images(config.images))
    model.module.to(device)
    layers = probe_layers(model, list(config.layers) if config.layers else None)
    writer = StoreWriter(config.store)
    writer.put_model(_model_record(model))
    writer.put_layers(model.id, layers)
    summary = PrecomputeSummary(model.id, [layer.name for layer in layers])
    if unit_labels is not None:
        summary.unit_labels = import_unit_labels(writer, model.id, unit_labels)
    if config.images is not None:
        summary.examples_layers = _examples_stage(config, model, layers, writer)
    summary.connection_layers = _connections_stage(config, model, layers, writer)
    summary.rendered_units = _feature_vis_stage(config, model, layers, writer)
    return summary


def _model_record(model: LoadedModel) -> ModelRecord:
    return ModelRecord(
        id=model.id,
        title=model.title,
        architecture=model.architecture,
        weights_hash=model.weights_hash,
        input_spec=model.input.as_dict(),
        class_labels=list(model.class_labels),
        description=model.description,
        warning=model.warning or None,
    )


def _examples_stage(
    config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter
) -> list[str]:
    images = scan_images(config.images, config.max_images)  # type: ignore[arg-type]
    settings = _json(
        {
            "images": str(Path(config.images).resolve()),
            "count": len(images),
            "max_images": config.max_images,
            "top_k": config.top_k,
            "input": model.input.as_dict(),
            "weights_sha256": model.weights_hash,
        }
    )
    todo = [layer for layer in layers if writer.stage_settings(model.id, layer.name, EXAMPLES_STAGE) != settings]
    if not todo:
        return []
    with tqdm(total=len(images), desc="dataset examples", unit="img", disable=not config.progress) as bar:
        tops, records = collect_top_examples(
            model,
            todo,
            images,
            top_k=config.top_k,
            batch_size=config.image_batch,
            device=config.device,
            progress=bar.update,
        )
    writer.put_dataset_images(model.id, records, str(Path(config.images).resolve()))
    for layer in tqdm(todo, desc="example crops", unit="layer", disable=not config.progress):
        writer.put_examples(
            model.id, layer.name, example_records(layer, tops[layer.name], images, model.input.size), settings
        )
    return [layer.name for layer in todo]


def _connections_stage(
    config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter
) -> list[str]:
    settings = _json(
        {"top_edges": config.top_edges, "method": "linearized-gradient", "weights_sha256": model.weights_hash}
    )
    by_name = {layer.name: layer for layer in layers}
    todo = [
        layer
        for layer in layers
        if layer.previous in by_name and writer.stage_settings(model.id, layer.name, CONNECTIONS_STAGE) != settings
    ]
    for layer in tqdm(todo, desc="connections", unit="layer", disable=not config.progress):
        expanded = expanded_weights(model, by_name[layer.previous], layer, device=config.device)  # type: ignore[index]
        edges = edge_records(expanded, config.top_edges)
        writer.put_connections(model.id, layer.name, layer.previous, edges, settings)  # type: ignore[arg-type]
    return [layer.name for layer in todo]


def render_settings(config: PrecomputeConfig, model: LoadedModel) -> RenderSettings:
    """The render settings a precompute run uses for this model."""
    return RenderSettings(steps=config.steps, size=config.size or model.vis_size, seed=config.seed)


def _feature_vis_stage(
    config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter
) -> int:
    render_cfg = render_settings(config, model)
    settings = _json({**render_cfg.as_dict(), "weights_sha256": model.weights_hash, "input": model.input.as_dict()})
    todo = {
        layer.name: writer.units_needing_feature_vis(model.id, layer.name, CHANNEL_OBJECTIVE, settings)
        for layer in layers
    }
    total = sum(len(units) for units in todo.values())
    with tqdm(total=total, desc="feature vis", unit="unit", disable=not config.progress) as bar:
        for layer in layers:
            for start in range(0, len(todo[layer.name]), config.vis_batch):
                units = todo[layer.name][start : start + config.vis_batch]
                bar.set_postfix_str(f"{layer.name} units {units[0]}–{units[-1]}")
                writer.put_feature_vis(
                    model.id, layer.name, _render_batch(model, layer, units, render_cfg, settings, config)
                )
                bar.update(len(units))
            writer.finish_stage(model.id, layer.name, FEATURE_VIS_STAGE, settings)
    return total


def _render_batch(
    model: LoadedModel,
    layer: LayerInfo,
    units: list[int],
    render_cfg: RenderSettings,
    settings: dict[str, Any],
    config: PrecomputeConfig,
) -> list[FeatureVisRecord]:
    objective = channel(layer.name, units)
    result = render(model.module, model.input.normalize, objective, len(units), render_cfg, device=config.device)
    with torch.no_grad(), LayerTap(model.module, [layer.name]) as tap:
        act = tap.run(model.input.normalize(result.images.to(config.device)))[layer.name]
        peaks, _ = spatial_max(act.float().cpu())
    return [
        FeatureVisRecord(
            unit=unit,
            objective=CHANNEL_OBJECTIVE,
            description=channel(layer.name, [unit]).description,
            image=tensor_to_png(result.images[i]),
            activation=float(peaks[i, unit]),
            settings=settings,
        )
        for i, unit in enumerate(units)
    ]
