"""What a Ray worker runs for a distributed precompute: one task per feature-vis batch, image shard or layer pair.

A task loads the run's model once per worker process (cached) and returns what it computed; it writes nothing, so a
task Ray retries after its worker died, or runs twice, changes nothing: the driver (precompute.distributed) stores
each task's result once, in the order the single-process run would have. This module imports no Ray: the driver
wraps these functions as remote tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from torch import Tensor

from precompute.connections import edge_records, expanded_weights
from precompute.examples import ExamplePass, batches, spatial_max
from precompute.feature_vis import VisPlan, render_batch
from precompute.images import DatasetImage
from precompute.layers import LayerInfo
from precompute.optvis import Renderer
from precompute.threads import use_threads
from precompute.zoo import LoadedModel, load_model
from store.records import EdgeRecord, FeatureVisRecord, WeightsRecord


@dataclass(frozen=True)
class ModelSpec:
    """How a worker loads the run's model exactly as the driver did (absolute paths: a worker's folder differs)."""

    model: str
    weights: Path | None
    labels: Path | None
    device: str
    threads: int  # torch threads per task: the CPUs each task reserves

    @classmethod
    def of(cls, model: str, weights: Path | None, labels: Path | None, device: str, threads: int) -> ModelSpec:
        """A spec with every path made absolute."""
        card = str(Path(model).resolve()) if model.endswith(".toml") else model
        absolute = lambda path: None if path is None else Path(path).expanduser().resolve()  # noqa: E731
        return cls(card, absolute(weights), absolute(labels), device, threads)


@lru_cache(maxsize=2)
def worker_model(spec: ModelSpec) -> LoadedModel:
    """The run's model on this worker, loaded once per process."""
    use_threads(spec.threads)
    model = load_model(spec.model, spec.weights, spec.labels)
    model.module.to(spec.device)
    return model


@lru_cache(maxsize=2)
def _worker_renderer(spec: ModelSpec, layers: tuple[str, ...], compiled: bool) -> Renderer:
    model = worker_model(spec)
    return Renderer(model.module, model.input.normalize, device=spec.device, layers=list(layers), compile=compiled)


def render_task(
    spec: ModelSpec,
    layers: tuple[str, ...],
    compiled: bool,
    layer: LayerInfo,
    kind: str,
    units: list[int],
    plan: VisPlan,
) -> list[FeatureVisRecord]:
    """One feature-vis batch, rendered exactly as the single-process stage renders it (same units, same seed)."""
    return render_batch(worker_model(spec), _worker_renderer(spec, layers, compiled), layer, kind, units, plan)


@dataclass
class BatchPeaks:
    """One forward batch of a shard: its first image's index, the images' sizes, and per layer every image's
    (B, units) peak activation with its flat argmax position."""

    start: int
    sizes: list[tuple[int, int]]
    layers: dict[str, tuple[Tensor, Tensor]]


class _PeakRecorder(ExamplePass):
    """An `ExamplePass` that keeps each batch's peaks and positions instead of ranking them: the driver ranks."""

    def __init__(self, model: LoadedModel, layers: Sequence[LayerInfo], device: str) -> None:
        super().__init__(model, layers, 0, top_k=0, device=device)
        self.found: dict[str, tuple[Tensor, Tensor]] = {}

    def _take(self, name: str, output: Tensor, start: int) -> None:
        # Every argmax, not only the entrants' (which only the driver's ranking knows): both take the first maximum.
        values, positions = spatial_max(output.float().cpu())
        self.found[name] = (values, positions.int())


def peaks_task(
    spec: ModelSpec, layers: list[LayerInfo], images: list[DatasetImage], start: int, batch_size: int
) -> list[BatchPeaks]:
    """The peaks of a shard of images numbered from `start`, batch by batch (a shard starts on a batch boundary, so
    every forward batch holds the images the single-process pass puts in it)."""
    model = worker_model(spec)
    run = _PeakRecorder(model, layers, spec.device)
    found = []
    for offset, batch, sizes in batches(images, model.input.size, batch_size):
        run.found = {}
        run.step(start + offset, batch)
        found.append(BatchPeaks(start + offset, sizes, run.found))
    return found


def absolute_images(images: Sequence[DatasetImage]) -> list[DatasetImage]:
    """The images with absolute paths, as a worker in another folder (or on another machine) must open them."""
    return [replace(image, path=image.path.resolve()) for image in images]


def connections_task(
    spec: ModelSpec, source: LayerInfo, layer: LayerInfo, top_edges: int
) -> tuple[list[EdgeRecord], WeightsRecord]:
    """The edges and full weights from `source` into `layer`."""
    expanded = expanded_weights(worker_model(spec), source, layer, device=spec.device)
    return list(edge_records(expanded, top_edges)), expanded.record(source.name)
