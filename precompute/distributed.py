"""Precompute on a Ray cluster (`microscope precompute --ray [ADDRESS]`): the driver's side.

The heavy stages become tasks (precompute.distributed_tasks): feature vis one task per optimization batch (layer ×
kind × unit batch, the batches and seeds of the single-process run), dataset examples one task per shard of images
(whole forward batches, so each batch holds the images it holds in one process), connections one task per layer
pair. The cheap stages stay in the driver: activation maps and crops of the picked examples, colour scores, tuning
curves and preview cards. Each task asks for a GPU when the run is on CUDA, and writes nothing: the driver stores
results in submission order, through the writer's idempotent puts, as the single-process run does, so a task
retried after its worker died (Ray retries it) or run twice changes nothing, the store equals a single-process
run's, and an interrupted run resumes as that one does (per feature-vis batch, per layer).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor

from precompute.distributed_tasks import (
    BatchPeaks,
    ModelSpec,
    absolute_images,
    connections_task,
    peaks_task,
    render_task,
)
from precompute.examples import Collected, ExamplePass
from precompute.feature_vis import Pending, VisPlan, finish_layers, vis_batches
from precompute.images import DatasetImage
from precompute.layers import LayerInfo
from precompute.rankings import Locate
from precompute.zoo import LoadedModel
from store.records import DatasetImageRecord, EdgeRecord, WeightsRecord
from store.writer import StoreWriter

INSTALL_RAY = 'pip install "microscope[ray]"'
LOCAL = "local"  # what a bare --ray means: start a Ray cluster on this machine (or join the one `ray start` made)
SHARD_BATCHES = 8  # forward batches of images per dataset-examples task
RETRIES = 3  # times Ray reruns a task whose worker died


class TaskFailed(RuntimeError):
    """A task that Ray could not finish (its worker or node died more often than it retries)."""


def require_ray() -> Any:
    """The `ray` module; ValueError with the install command when it is missing (it is an optional extra)."""
    try:
        import ray
    except ImportError:
        raise ValueError(f"--ray needs Ray, which this install lacks; install it with: {INSTALL_RAY}") from None
    return ray


@dataclass
class Cluster:
    """A connected Ray cluster and what each task of this run asks of it."""

    spec: ModelSpec
    gpus: int  # per task: 1 on CUDA, else 0
    slots: int  # tasks the cluster runs at once
    remotes: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)  # each task function, wrapped

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` as a Ray task; its ObjectRef."""
        if function not in self.remotes:
            ray = require_ray()
            options = {"num_cpus": self.spec.threads, "num_gpus": self.gpus, "max_retries": RETRIES}
            self.remotes[function] = ray.remote(function).options(**options)
        return self.remotes[function].remote(*args)

    def in_order(self, refs: Iterable[Any]) -> Iterator[Any]:
        """The results of lazily submitted tasks in submission order, with a few per slot in flight (so the object
        store holds a bounded number of finished results)."""
        window, flight = 2 * self.slots, deque[Any]()
        for ref in refs:
            flight.append(ref)
            if len(flight) >= window:
                yield _result(flight.popleft())
        while flight:
            yield _result(flight.popleft())


def _result(ref: Any) -> Any:
    """A task's result; an error the task raised is raised as it is (a ValueError stays one), and a task the cluster
    lost is a `TaskFailed` saying that a re-run resumes."""
    ray = require_ray()
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError:
        raise
    except ray.exceptions.RayError as error:
        raise TaskFailed(
            f"a Ray task failed after {RETRIES} retries ({type(error).__name__}); what was stored is kept: "
            "run the same command again to resume"
        ) from error


@contextmanager
def connect(address: str, spec: ModelSpec) -> Iterator[Cluster]:
    """The Ray cluster at `address` (`local`: start one here, or join one `ray start` made on this machine); a
    cluster this call started is shut down on leaving. Reuses the connection when Ray is already initialized."""
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=None if address == LOCAL else address, include_dashboard=False, log_to_driver=False)
    try:
        resources = ray.cluster_resources()
        if spec.device == "cuda" and resources.get("GPU", 0) < 1:
            raise ValueError(f"--device cuda: the Ray cluster at {address} has no GPU; use --device cpu")
        gpus = 1 if spec.device == "cuda" else 0
        slots = int(resources.get("GPU", 0)) if gpus else int(resources.get("CPU", 1)) // spec.threads
        yield Cluster(spec, gpus, max(slots, 1))
    finally:
        if started:
            ray.shutdown()


def render(
    cluster: Cluster,
    model: LoadedModel,
    layers: list[LayerInfo],
    pending: Pending,
    writer: StoreWriter,
    plan: VisPlan,
    *,
    compiled: bool,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """`feature_vis_stage` on the cluster: every batch a task, stored as it comes back in order; images rendered."""
    names = tuple(layer.name for layer in layers)
    todo = list(vis_batches(pending, plan))
    refs = (cluster.submit(render_task, cluster.spec, names, compiled, *batch, plan) for batch in todo)
    rendered = 0
    for (layer, kind, units), records in zip(todo, cluster.in_order(refs), strict=True):
        writer.put_feature_vis(model.id, layer.name, records)
        rendered += len(records)
        if progress is not None:
            progress(len(records), f"{layer.name} {kind} units {units[0]}–{units[-1]}")
    finish_layers(model, layers, writer, plan)
    return rendered


def collect_examples(
    cluster: Cluster,
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    *,
    top_k: int,
    bottom_k: int | None,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> Collected:
    """`examples.collect_examples` on the cluster: a task measures the peaks of each shard of images, the driver
    ranks them (`rank`)."""
    paths, shard = absolute_images(images), batch_size * SHARD_BATCHES
    refs = (
        cluster.submit(peaks_task, cluster.spec, list(layers), paths[s : s + shard], s, batch_size)
        for s in range(0, len(images), shard)
    )
    return rank(model, layers, images, cluster.in_order(refs), top_k=top_k, bottom_k=bottom_k, progress=progress)


def rank(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    shards: Iterable[list[BatchPeaks]],
    *,
    top_k: int,
    bottom_k: int | None,
    progress: Callable[[int], None] | None = None,
) -> Collected:
    """The top-K (and range) of every unit from the shards' peaks, in image order: batch by batch through the merges
    of the single-process pass, so the ranking and its ties come out as that pass's."""
    run = ExamplePass(model, layers, len(images), top_k=top_k, bottom_k=bottom_k)
    records: list[DatasetImageRecord] = []
    for found in shards:
        for batch in found:
            for name, (values, positions) in batch.layers.items():
                run.merge(name, batch.start, values, _locator(positions))
            records += [
                DatasetImageRecord(image.source, image.label, w, h)
                for image, (w, h) in zip(images[batch.start :], batch.sizes, strict=False)
            ]
            if progress is not None:
                progress(len(batch.sizes))
    return Collected(run.tops, run.ranges, records)


def _locator(positions: Tensor) -> Locate:
    """Where chosen (row, unit) peaks lie, read from a batch's measured (B, units) argmax positions."""
    return lambda rows, units: positions[rows, units].long()


def connections(
    cluster: Cluster, pairs: Sequence[tuple[LayerInfo, LayerInfo]], top_edges: int
) -> Iterator[tuple[list[EdgeRecord], WeightsRecord]]:
    """Each (source, layer) pair's edges and full weights, a task per pair, in the pairs' order."""
    refs = (cluster.submit(connections_task, cluster.spec, source, layer, top_edges) for source, layer in pairs)
    return cluster.in_order(refs)
