"""The dataset-examples stage: one pass over the images ranks every unit's top and bottom images and its activation
range (in this process, or a Ray task per shard of images); then the picked images' activation maps are measured and
their crops stored. It finishes the `examples` and `range_examples` stages of store.records together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from precompute import distributed
from precompute.activation_maps import AMAP_MAX_SIDE, measure_picks, order_quantile_samples
from precompute.activation_range import RangePicks, finish, layer_picks
from precompute.config import PrecomputeConfig
from precompute.distributed import Cluster
from precompute.examples import Collected, collect_examples, pick_records
from precompute.layers import LayerInfo
from precompute.rankings import Pick
from precompute.stages.stage import Run, Stage
from store.records import EXAMPLES_STAGE, RANGE_STAGE, ExampleRecord, RangeExampleRecord, Settings, stored_settings

Collect = Callable[[Callable[[int], None]], Collected]  # one pass over the images, advancing a bar per image


def examples_settings(run: Run) -> Settings:
    """The settings the top examples are stored with (the colour scores build on them)."""
    config, model = run.config, run.model
    return stored_settings(
        {
            "images": str(Path(config.images).resolve()),  # type: ignore[arg-type]
            "count": len(run.images),
            "max_images": config.max_images,
            "top_k": config.top_k,
            "input": model.input.as_dict(),
            "weights_sha256": model.weights_hash,
        }
    )


def range_settings(config: PrecomputeConfig, examples: Settings) -> Settings:
    """The settings the examples across the activation range are stored with."""
    return stored_settings(
        {
            **examples,
            "bottom_k": bottom_k(config),
            "quantiles": sorted(set(config.quantiles), reverse=True),
            "histogram_bins": config.histogram_bins,
            "peak": "max over positions",
            "amap_max_side": AMAP_MAX_SIDE,
        }
    )


def bottom_k(config: PrecomputeConfig) -> int:
    """Least active images kept per unit (--bottom-k, default --top-k)."""
    return config.top_k if config.bottom_k is None else config.bottom_k


def _todo(run: Run) -> list[LayerInfo]:
    """The layers whose examples or range examples are not stored with this run's settings."""
    examples = examples_settings(run)
    ranged = range_settings(run.config, examples)
    return [
        layer
        for layer in run.layers
        if run.stored(layer.name, EXAMPLES_STAGE) != examples or run.stored(layer.name, RANGE_STAGE) != ranged
    ]


def _ranking(config: PrecomputeConfig) -> dict[str, int]:
    return {"top_k": config.top_k, "bottom_k": bottom_k(config), "batch_size": config.image_batch}


def _local(run: Run, todo: list[LayerInfo]) -> list[str]:
    def collect(progress: Callable[[int], None]) -> Collected:
        ranking = _ranking(run.config)
        return collect_examples(run.model, todo, run.images, device=run.config.device, progress=progress, **ranking)

    return _examples(run, todo, collect)


def _ray(run: Run, cluster: Cluster, todo: list[LayerInfo]) -> list[str]:
    def collect(progress: Callable[[int], None]) -> Collected:
        ranking = _ranking(run.config)
        return distributed.collect_examples(cluster, run.model, todo, run.images, progress=progress, **ranking)

    return _examples(run, todo, collect)


def _examples(run: Run, todo: list[LayerInfo], collect: Collect) -> list[str]:
    """Rank the images (`collect`), keep the top images for the colour stage, measure the picks' activation maps and
    store their crops; the layers done."""
    if not todo:
        return []
    config = run.config
    with run.bar("dataset examples", len(run.images), "img") as bar:
        found = collect(bar.update)
    run.tops = found.tops
    run.writer.put_dataset_images(run.model.id, found.records, str(Path(config.images).resolve()))  # type: ignore[arg-type]
    ranges = {name: finish(tracker, config.quantiles, config.histogram_bins) for name, tracker in found.ranges.items()}
    picks = {layer.name: layer_picks(found.tops[layer.name], ranges[layer.name]) for layer in todo}
    _measure_maps(run, todo, picks)
    _store_crops(run, todo, picks, ranges)
    return [layer.name for layer in todo]


def _measure_maps(run: Run, todo: list[LayerInfo], picks: dict[str, list[Pick]]) -> None:
    """Give every pick its activation map, one forward pass over the distinct images picked."""
    count = len({p.image for layer_picks_ in picks.values() for p in layer_picks_})
    with run.bar("activation maps", count, "img") as bar:
        config = run.config
        measure_picks(
            run.model, todo, picks, run.images, batch_size=config.image_batch, device=config.device, progress=bar.update
        )


def _store_crops(run: Run, todo: list[LayerInfo], picks: dict[str, list[Pick]], ranges: dict[str, RangePicks]) -> None:
    """Crop every pick and store each layer's examples and range (a layer at a time, finishing both stages)."""
    examples = examples_settings(run)
    ranged = range_settings(run.config, examples)
    model, writer = run.model, run.writer
    with run.bar("example crops", sum(layer.units for layer in todo), "unit") as bar:
        for layer in todo:
            bar.set_postfix_str(layer.name, refresh=False)
            order_quantile_samples(picks[layer.name])
            records = list(pick_records(layer, picks[layer.name], run.images, model.input.size, progress=bar.update))
            writer.put_examples(model.id, layer.name, [r for r in records if type(r) is ExampleRecord], examples)
            beyond = [r for r in records if isinstance(r, RangeExampleRecord)]
            writer.put_range(model.id, layer.name, beyond, ranges[layer.name].stats, ranged)


def _has_images(config: PrecomputeConfig) -> bool:
    return config.images is not None


EXAMPLES = Stage("dataset examples", todo=_todo, local=_local, ray=_ray, summary="examples_layers", enabled=_has_images)
