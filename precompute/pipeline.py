"""Orchestration: model → layers → dataset examples (top and across the activation range) → colour scores →
tuning curves → connections → feature vis → preview cards → unit pages' figures → findings → store; resumable.

Every stage commits as it goes (feature visualizations per batch of units, the other stages per layer) and
records the settings it ran with, so a re-run skips what is stored and an interrupted run resumes. With `--ray` the
heavy stages run as tasks on a Ray cluster (precompute.distributed) and store the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from tqdm import tqdm

from precompute import distributed
from precompute.activation_maps import AMAP_MAX_SIDE, measure_picks, order_quantile_samples
from precompute.activation_range import finish, layer_picks
from precompute.cards import cards_stage
from precompute.colour import colour_settings, colour_stage
from precompute.config import DEVICES, PrecomputeConfig
from precompute.connections import edge_records, expanded_weights
from precompute.distributed import Cluster
from precompute.distributed_tasks import ModelSpec
from precompute.examples import TopExamples, collect_examples, pick_records
from precompute.feature_vis import VisPlan, count_images, feature_vis_stage, parse_extras, pending_work
from precompute.figures import figures_stage
from precompute.findings import findings_stage, summary_line
from precompute.imagenette import resolve_images
from precompute.images import DatasetImage, scan_images
from precompute.layers import LayerInfo, probe_layers
from precompute.optvis import Renderer, RenderSettings
from precompute.optvis.render import auto_precision, auto_transforms, auto_upscale
from precompute.progress import stage_bar
from precompute.svd import COMPONENTS as SVD_COMPONENTS
from precompute.threads import use_threads
from precompute.tuning import conv_layers, tuning_stage
from precompute.unit_labels import LabelImport, import_unit_labels, read_label_folder
from precompute.zoo import LoadedModel, load_model
from store import tensors
from store.location import StoreLocation
from store.records import (
    CONNECTIONS_STAGE,
    EXAMPLES_STAGE,
    RANGE_STAGE,
    EdgeRecord,
    ExampleRecord,
    ModelRecord,
    RangeExampleRecord,
    Settings,
    WeightsRecord,
    stored_settings,
)
from store.writer import StoreWriter


@dataclass
class PrecomputeSummary:
    """What a run did."""

    model: str
    layers: list[str]
    examples_layers: list[str] = field(default_factory=list)
    connection_layers: list[str] = field(default_factory=list)
    score_layers: list[str] = field(default_factory=list)  # layers whose colour scores (bw_ratio) were measured
    tuning_layers: list[str] = field(default_factory=list)  # layers whose tuning curves were measured
    rendered_images: int = 0
    card_layers: list[str] = field(default_factory=list)  # layers whose units' preview cards were (re)drawn
    figure_layers: list[str] = field(default_factory=list)  # layers whose unit pages' figures were (re)drawn
    findings: str = "findings kept"  # what the findings stage did: its verdicts' counts when it measured
    unit_labels: LabelImport | None = None

    def describe(self, store: StoreLocation) -> str:
        """One line saying what the run did (and one more for imported unit labels)."""
        line = (
            f"{self.model}: {len(self.layers)} layers; dataset examples for {len(self.examples_layers)}, "
            f"colour scores for {len(self.score_layers)}, tuning curves for {len(self.tuning_layers)}, "
            f"connections for {len(self.connection_layers)}, "
            f"{self.rendered_images} feature visualizations rendered, "
            f"{self.findings}. "
            f"Store: {store}"
        )
        return line + (f"\n{self.unit_labels.describe(self.model)}" if self.unit_labels else "")


def check_device(device: str) -> torch.device:
    """The torch device for `device`; ValueError naming the valid choices otherwise."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available on this machine; use --device cpu")
    return torch.device(device)


def run_precompute(config: PrecomputeConfig) -> PrecomputeSummary:
    """Precompute every view of the chosen layers of `config.model` into `config.location`."""
    use_threads(config.threads)
    device = check_device(config.device)
    unit_labels = read_label_folder(config.unit_labels) if config.unit_labels is not None else None
    model = load_model(config.model, config.weights, config.labels)
    if config.images is not None:
        config = replace(config, images=resolve_images(config.images))
    model.module.to(device)
    layers = probe_layers(model, list(config.layers) if config.layers else None)
    plan = vis_plan(config, model, layers)  # a bad --extras fails here, before any work
    tuned = conv_layers(layers, config.tuning_layers) if config.tuning else []  # a bad --tuning-layers too
    # Closing the writer finalizes the store for read-only serving; with --ray the heavy stages run on a cluster.
    with StoreWriter(config.location) as writer, _cluster(config) as cluster:
        writer.put_model(_model_record(model))
        writer.put_layers(model.id, layers)
        summary = PrecomputeSummary(model.id, [layer.name for layer in layers])
        if unit_labels is not None:
            summary.unit_labels = import_unit_labels(writer, model.id, unit_labels)
        if config.images is not None:
            images = scan_images(config.images, config.max_images)  # once: both stages read the same list
            summary.examples_layers, tops = _examples_stage(config, model, layers, writer, images, cluster)
            if config.colour_scores:
                summary.score_layers = _colour_stage(config, model, layers, writer, images, tops)
        summary.tuning_layers = tuning_stage(model, tuned, writer, device=config.device, show_progress=config.progress)
        summary.connection_layers = _connections_stage(config, model, layers, writer, cluster)
        summary.rendered_images = _feature_vis_stage(config, model, layers, writer, plan, cluster)
        if config.cards:  # a card shows the images the stages above stored
            names = [layer.name for layer in layers]
            summary.card_layers = cards_stage(writer, model.id, names, progress=config.progress)
        summary.figure_layers = figures_stage(writer, model.id, progress=config.progress)  # drawn from the above
        summary.findings = summary_line(findings_stage(model, writer, device=config.device, progress=config.progress))
    return summary


def _cluster(config: PrecomputeConfig) -> AbstractContextManager[Cluster | None]:
    """The Ray cluster the run's tasks go to (`--ray`), or none: every stage runs in this process."""
    if config.ray is None:
        return nullcontext()
    threads = config.threads or 1  # per task: Ray runs a task per CPU it reserves
    return distributed.connect(
        config.ray, ModelSpec.of(config.model, config.weights, config.labels, config.device, threads)
    )


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


def _examples_settings(config: PrecomputeConfig, model: LoadedModel, count: int) -> Settings:
    return stored_settings(
        {
            "images": str(Path(config.images).resolve()),  # type: ignore[arg-type]
            "count": count,
            "max_images": config.max_images,
            "top_k": config.top_k,
            "input": model.input.as_dict(),
            "weights_sha256": model.weights_hash,
        }
    )


def _range_settings(config: PrecomputeConfig, examples: Settings) -> Settings:
    return stored_settings(
        {
            **examples,
            "bottom_k": _bottom_k(config),
            "quantiles": sorted(set(config.quantiles), reverse=True),
            "histogram_bins": config.histogram_bins,
            "peak": "max over positions",
            "amap_max_side": AMAP_MAX_SIDE,
        }
    )


def _bottom_k(config: PrecomputeConfig) -> int:
    return config.top_k if config.bottom_k is None else config.bottom_k


def _examples_stage(
    config: PrecomputeConfig,
    model: LoadedModel,
    layers: list[LayerInfo],
    writer: StoreWriter,
    images: list[DatasetImage],
    cluster: Cluster | None = None,
) -> tuple[list[str], dict[str, TopExamples]]:
    """The layers whose examples (top, across the range, with activation maps) were (re)computed, and their top
    images (for the colour stage)."""
    settings = _examples_settings(config, model, len(images))
    range_settings = _range_settings(config, settings)
    todo = [
        layer
        for layer in layers
        if writer.stage_settings(model.id, layer.name, EXAMPLES_STAGE) != settings
        or writer.stage_settings(model.id, layer.name, RANGE_STAGE) != range_settings
    ]
    if not todo:
        return [], {}
    with stage_bar("dataset examples", len(images), "img", enabled=config.progress) as bar:
        ranking = {"top_k": config.top_k, "bottom_k": _bottom_k(config), "batch_size": config.image_batch}
        found = (
            collect_examples(model, todo, images, device=config.device, progress=bar.update, **ranking)
            if cluster is None
            else distributed.collect_examples(cluster, model, todo, images, progress=bar.update, **ranking)
        )
    writer.put_dataset_images(model.id, found.records, str(Path(config.images).resolve()))
    ranges = {name: finish(tracker, config.quantiles, config.histogram_bins) for name, tracker in found.ranges.items()}
    picks = {layer.name: layer_picks(found.tops[layer.name], ranges[layer.name]) for layer in todo}
    count = len({p.image for layer_picks_ in picks.values() for p in layer_picks_})
    with stage_bar("activation maps", count, "img", enabled=config.progress) as bar:
        measure_picks(
            model, todo, picks, images, batch_size=config.image_batch, device=config.device, progress=bar.update
        )
    with stage_bar("example crops", sum(layer.units for layer in todo), "unit", enabled=config.progress) as bar:
        for layer in todo:
            bar.set_postfix_str(layer.name, refresh=False)
            order_quantile_samples(picks[layer.name])
            records = list(pick_records(layer, picks[layer.name], images, model.input.size, progress=bar.update))
            writer.put_examples(model.id, layer.name, [r for r in records if type(r) is ExampleRecord], settings)
            beyond = [r for r in records if isinstance(r, RangeExampleRecord)]
            writer.put_range(model.id, layer.name, beyond, ranges[layer.name].stats, range_settings)
    return [layer.name for layer in todo], found.tops


def _colour_stage(
    config: PrecomputeConfig,
    model: LoadedModel,
    layers: list[LayerInfo],
    writer: StoreWriter,
    images: list[DatasetImage],
    tops: dict[str, TopExamples],
) -> list[str]:
    settings = colour_settings(_examples_settings(config, model, len(images)), config.colour_sample)
    return colour_stage(
        model,
        layers,
        images,
        writer,
        settings,
        tops=tops,
        top_k=config.top_k,
        sample=config.colour_sample,
        batch_size=config.image_batch,
        device=config.device,
        show_progress=config.progress,
    )


def _connections_stage(
    config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter, cluster: Cluster | None
) -> list[str]:
    settings = stored_settings(
        {
            "top_edges": config.top_edges,
            "method": "linearized-gradient",
            "weights_sha256": model.weights_hash,
            "tensor": tensors.FORMAT,
            "svd": {"of": "sum over space of |W|", "components": SVD_COMPONENTS},
        }
    )
    by_name = {layer.name: layer for layer in layers}
    todo = [
        layer
        for layer in layers
        if layer.previous in by_name and writer.stage_settings(model.id, layer.name, CONNECTIONS_STAGE) != settings
    ]
    pairs = [(by_name[layer.previous], layer) for layer in todo]  # type: ignore[index]
    with stage_bar("connections", sum(layer.units for layer in todo), "unit", enabled=config.progress) as bar:
        found = (
            _connections(model, pairs, config, bar)
            if cluster is None
            else distributed.connections(cluster, pairs, config.top_edges)
        )
        for (source, layer), (edges, weights) in zip(pairs, found, strict=True):
            writer.put_connections(model.id, layer.name, source.name, edges, settings, weights=weights)
            if cluster is not None:  # a local run counts units as it goes
                bar.update(layer.units)
    return [layer.name for layer in todo]


def _connections(
    model: LoadedModel, pairs: list[tuple[LayerInfo, LayerInfo]], config: PrecomputeConfig, bar: tqdm
) -> Iterator[tuple[Iterator[EdgeRecord], WeightsRecord]]:
    """Each (source, layer) pair's edges and full weights, computed here (the bar advancing per unit)."""
    for source, layer in pairs:
        bar.set_postfix_str(f"{source.name} → {layer.name}", refresh=False)
        expanded = expanded_weights(model, source, layer, device=config.device, progress=bar.update)
        yield edge_records(expanded, config.top_edges), expanded.record(source.name)


def render_settings(config: PrecomputeConfig, model: LoadedModel) -> RenderSettings:
    """The render settings a precompute run uses for this model (precision auto: bf16 on CUDA, fp32 on a CPU)."""
    precision = auto_precision(config.device) if config.precision == "auto" else config.precision
    size = config.size or model.vis_size
    pad, jitter = auto_transforms(size)
    return RenderSettings(
        steps=config.steps,
        size=size,
        oversample=config.oversample,
        upscale=config.upscale or auto_upscale(size * config.oversample),
        pad=pad if config.pad is None else config.pad,
        jitter=jitter if config.jitter is None else config.jitter,
        lr=config.lr,
        lr_schedule=config.lr_schedule,
        tensor=config.tensor,
        seed=config.seed,
        precision=precision,
    )


def vis_plan(config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo]) -> VisPlan:
    """What the feature-vis stage renders for this run, and the settings stored with it."""
    render_cfg = render_settings(config, model)
    return VisPlan(
        extras=None if config.extras is None else parse_extras(config.extras, layers, config.kinds),
        kinds=tuple(config.kinds),
        render=render_cfg,
        diversity=config.diversity,
        batch=config.vis_batch,
        base_settings={**render_cfg.as_dict(), "weights_sha256": model.weights_hash, "input": model.input.as_dict()},
    )


def _feature_vis_stage(
    config: PrecomputeConfig,
    model: LoadedModel,
    layers: list[LayerInfo],
    writer: StoreWriter,
    plan: VisPlan,
    cluster: Cluster | None,
) -> int:
    compiled = config.compile == "on" or (config.compile == "auto" and config.device == "cuda")
    renderer = Renderer(
        model.module,
        model.input.normalize,
        device=config.device,
        layers=[layer.name for layer in layers],
        compile=compiled,
    )
    plan = replace(plan, reads={layer.name: renderer.reads(layer.name, plan.render) for layer in layers})
    pending = pending_work(model, layers, writer, plan)
    with stage_bar("feature vis", count_images(pending, plan), "img", enabled=config.progress) as bar:

        def advance(images: float, what: str) -> None:
            bar.set_postfix_str(what, refresh=False)  # drawn by update, at most ten times a second
            bar.update(images)

        if cluster is not None:
            return distributed.render(
                cluster, model, layers, pending, writer, plan, compiled=compiled, progress=advance
            )
        return feature_vis_stage(model, layers, pending, writer, plan, renderer, progress=advance)
