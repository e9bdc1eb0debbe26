"""Orchestration: model → layers → unit labels → each stage of precompute.stages.STAGES in order → store; resumable.

The stages (dataset examples with their activation range and maps, colour scores, tuning curves, connections,
feature vis, preview cards, unit pages' figures, findings) each commit as they go (feature visualizations per batch
of units, the others per layer) and record the settings they ran with, so a re-run skips what is stored and an
interrupted run resumes. With `--ray` the stages that declare Ray tasks run them on a Ray cluster
(precompute.distributed) and store the same.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace

import torch

from precompute import distributed
from precompute.config import DEVICES, PrecomputeConfig
from precompute.distributed import Cluster
from precompute.distributed_tasks import ModelSpec
from precompute.imagenette import resolve_images
from precompute.images import scan_images
from precompute.layers import LayerInfo, probe_layers
from precompute.stages import STAGES, PrecomputeSummary, Run
from precompute.threads import use_threads
from precompute.unit_labels import import_unit_labels, read_label_folder
from precompute.zoo import LoadedModel, load_model
from store.records import ModelRecord
from store.writer import StoreWriter


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
    stages = [stage for stage in STAGES if stage.enabled(config)]
    for stage in stages:  # a bad option (--extras, --tuning-layers) fails here, before any work
        if stage.check is not None:
            stage.check(config, model, layers)
    # Closing the writer finalizes the store for read-only serving; with --ray the heavy stages run on a cluster.
    with StoreWriter(config.location) as writer, _cluster(config) as cluster:
        run = _start(config, model, layers, writer, cluster, unit_labels)
        for stage in stages:
            stage.perform(run)
    return run.summary


def _start(
    config: PrecomputeConfig,
    model: LoadedModel,
    layers: list[LayerInfo],
    writer: StoreWriter,
    cluster: Cluster | None,
    unit_labels: dict[str, dict[int, str]] | None,
) -> Run:
    """Store the model, its layers and any unit labels, and scan the images once: the run the stages share."""
    writer.put_model(_model_record(model))
    writer.put_layers(model.id, layers)
    summary = PrecomputeSummary(model.id, [layer.name for layer in layers])
    if unit_labels is not None:
        summary.unit_labels = import_unit_labels(writer, model.id, unit_labels)
    images = scan_images(config.images, config.max_images) if config.images is not None else []
    return Run(config, model, layers, writer, cluster, images, summary)


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
