"""The connections stage: each chosen layer's expanded weights from the layer before it, their strongest edges and
the full tensor with its SVD (in this process, or a Ray task per layer pair), stored a layer at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from tqdm import tqdm

from precompute import distributed
from precompute.connections import edge_records, expanded_weights
from precompute.distributed import Cluster
from precompute.layers import LayerInfo
from precompute.stages.stage import Run, Stage
from precompute.svd import COMPONENTS as SVD_COMPONENTS
from store import tensors
from store.records import CONNECTIONS_STAGE, EdgeRecord, Settings, WeightsRecord, stored_settings

Pair = tuple[LayerInfo, LayerInfo]  # (source, layer): the layer's connections come from the source
Found = Iterable[tuple[Iterable[EdgeRecord], WeightsRecord]]  # each pair's edges and full weights, in order


def connections_settings(run: Run) -> Settings:
    """The settings the connections are stored with."""
    return stored_settings(
        {
            "top_edges": run.config.top_edges,
            "method": "linearized-gradient",
            "weights_sha256": run.model.weights_hash,
            "tensor": tensors.FORMAT,
            "svd": {"of": "sum over space of |W|", "components": SVD_COMPONENTS},
        }
    )


def _todo(run: Run) -> list[Pair]:
    """The (source, layer) pairs whose connections are not stored with this run's settings."""
    settings = connections_settings(run)
    by_name = {layer.name: layer for layer in run.layers}
    return [
        (by_name[layer.previous], layer)
        for layer in run.layers
        if layer.previous in by_name and run.stored(layer.name, CONNECTIONS_STAGE) != settings
    ]


def _bar(run: Run, pairs: list[Pair]) -> tqdm:
    return run.bar("connections", sum(layer.units for _, layer in pairs), "unit")


def _local(run: Run, pairs: list[Pair]) -> list[str]:
    with _bar(run, pairs) as bar:
        _store(run, pairs, _computed(run, pairs, bar), lambda layer: None)  # the computation counts units
    return [layer.name for _, layer in pairs]


def _ray(run: Run, cluster: Cluster, pairs: list[Pair]) -> list[str]:
    with _bar(run, pairs) as bar:
        found = distributed.connections(cluster, pairs, run.config.top_edges)
        _store(run, pairs, found, lambda layer: bar.update(layer.units))
    return [layer.name for _, layer in pairs]


def _computed(run: Run, pairs: list[Pair], bar: tqdm) -> Iterator[tuple[Iterator[EdgeRecord], WeightsRecord]]:
    """Each pair's edges and full weights, computed here as they are stored (the bar advancing per unit)."""
    for source, layer in pairs:
        bar.set_postfix_str(f"{source.name} → {layer.name}", refresh=False)
        expanded = expanded_weights(run.model, source, layer, device=run.config.device, progress=bar.update)
        yield edge_records(expanded, run.config.top_edges), expanded.record(source.name)


def _store(run: Run, pairs: list[Pair], found: Found, stored: Callable[[LayerInfo], object]) -> None:
    """Store each pair's connections as they come; `stored(layer)` after each."""
    settings = connections_settings(run)
    for (source, layer), (edges, weights) in zip(pairs, found, strict=True):
        run.writer.put_connections(run.model.id, layer.name, source.name, edges, settings, weights=weights)
        stored(layer)


CONNECTIONS = Stage("connections", todo=_todo, local=_local, ray=_ray, summary="connection_layers")
