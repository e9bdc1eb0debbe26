"""Dataset examples: one pass over the images keeps, for every unit of every layer, the K images that excite it most."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image
from torch import Tensor

from precompute.activation_range import RangeTracker
from precompute.hooks import StopForward, resolve_module
from precompute.images import DatasetImage, Framing, crop_png, load_rgb, to_input
from precompute.layers import LayerInfo
from precompute.rankings import Locate, Pick, TopExamples, top_picks
from precompute.zoo import LoadedModel
from store.records import DatasetImageRecord, EncodedImage, ExampleRecord, RangeExampleRecord


def peaks(activation: Tensor) -> tuple[Tensor, Locate]:
    """(B, C) maxima over positions and a function locating chosen (row, unit) maxima; a linear (B, C) output is
    its own maximum at position 0. Locating only the few that enter a ranking is much cheaper than a full argmax."""
    if activation.dim() == 2:
        return activation, lambda rows, units: torch.zeros_like(rows)
    flat = activation.flatten(2)
    return flat.amax(dim=2), lambda rows, units: flat[rows, units].argmax(dim=1)


def spatial_max(activation: Tensor) -> tuple[Tensor, Tensor]:
    """(B, C) maxima over positions and their flat argmax; linear (B, C) outputs are their own maximum."""
    if activation.dim() == 2:
        return activation, torch.zeros_like(activation, dtype=torch.long)
    return activation.flatten(2).max(dim=2)


def batches(images: Sequence[DatasetImage], size: int, batch_size: int) -> Iterator[tuple[int, Tensor, list]]:
    """(offset, input batch in [0, 1], image sizes) for consecutive batches of the image list."""
    for start in range(0, len(images), batch_size):
        loaded = [load_rgb(image.path) for image in images[start : start + batch_size]]
        yield start, torch.stack([to_input(image, size) for image in loaded]), [image.size for image in loaded]


@dataclass
class Collected:
    """What one pass over the images keeps: per layer the top-K and, when asked, the range trackers."""

    tops: dict[str, TopExamples]
    ranges: dict[str, RangeTracker]  # empty unless `bottom_k` was given
    records: list[DatasetImageRecord]


def collect_top_examples(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    *,
    top_k: int,
    batch_size: int = 64,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, TopExamples], list[DatasetImageRecord]]:
    """Top-K examples of every unit of `layers` over `images`, and the image records (with sizes) seen."""
    found = collect_examples(
        model, layers, images, top_k=top_k, batch_size=batch_size, device=device, progress=progress
    )
    return found.tops, found.records


def collect_examples(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    *,
    top_k: int,
    bottom_k: int | None = None,
    batch_size: int = 64,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> Collected:
    """One pass: the top-K of every unit of `layers` and, with `bottom_k`, the range trackers
    (precompute.activation_range: bottom-K, every peak, sums), and the image records (with sizes) seen."""
    records: list[DatasetImageRecord] = []
    run = ExamplePass(model, layers, len(images), top_k=top_k, bottom_k=bottom_k, device=device)
    for start, batch, sizes in batches(images, model.input.size, batch_size):
        run.step(start, batch)
        records += [
            DatasetImageRecord(image.source, image.label, w, h)
            for image, (w, h) in zip(images[start : start + len(batch)], sizes, strict=True)
        ]
        if progress:
            progress(len(batch))
    return Collected(run.tops, run.ranges, records)


class ExamplePass:
    """The per-batch work of `collect_examples` (bench/examples.py times it batch by batch against plain inference).

    Each layer's output is reduced to per-image peaks inside its forward hook, so no map outlives the layer that
    made it (the forward pass holds no more memory than plain inference) and the pass stops after the deepest
    layer. Hooks are registered for the length of a step only, so the model stays usable in between.
    """

    def __init__(
        self,
        model: LoadedModel,
        layers: Sequence[LayerInfo],
        count: int,
        *,
        top_k: int,
        bottom_k: int | None = None,
        device: str = "cpu",
    ) -> None:
        self.model, self.device, self.k = model, device, min(top_k, count)
        self.tops = {layer.name: TopExamples.none(layer.units) for layer in layers}
        chosen = layers if bottom_k is not None else []
        self.ranges = {layer.name: RangeTracker.empty(layer.units, count, bottom_k or 0) for layer in chosen}

    @torch.no_grad()
    def step(self, start: int, batch: Tensor) -> None:
        """Take a batch of inputs in [0, 1] (images numbered from `start`)."""
        seen: set[str] = set()

        def hook(name: str) -> Callable[..., None]:
            def reduce(_module: object, _inputs: object, output: Tensor) -> None:
                if name in seen:  # a module called twice: its first call counts, as LayerTap does
                    return
                seen.add(name)
                self._take(name, output, start)
                if len(seen) == len(self.tops):
                    raise StopForward

            return reduce

        handles = [resolve_module(self.model.module, n).register_forward_hook(hook(n)) for n in self.tops]
        try:
            with suppress(StopForward):
                self.model.module(self.model.input.normalize(batch.to(self.device)))
        finally:
            for handle in handles:
                handle.remove()
        missing = [name for name in self.tops if name not in seen]
        if missing:
            raise RuntimeError(f"layers never ran in the forward pass: {', '.join(missing)}")

    def _take(self, name: str, output: Tensor, start: int) -> None:
        values, locate = peaks(output.float().cpu())
        self.merge(name, start, values, locate)

    def merge(self, name: str, start: int, values: Tensor, locate: Locate) -> None:
        """Rank a batch's (B, units) peaks of images numbered from `start` into the layer's running top-K (and
        range), as `step` does with what it measures; a distributed run replays its shards' peaks through this."""
        self.tops[name] = self.tops[name].merge_peaks(values.T, start, self.k, locate)
        if name in self.ranges:
            self.ranges[name].update(start, values, locate)


def input_box(layer: LayerInfo, position: int, input_size: int) -> tuple[float, float, float, float, float, float]:
    """(cx, cy, left, top, right, bottom) in input pixels: a peak's centre and its receptive field, clipped."""
    if layer.kind == "linear" or not layer.width or not layer.height:
        cx = cy = input_size / 2
        half = input_size / 2
    else:
        row, col = divmod(int(position), layer.width)
        cx, cy = (col + 0.5) * input_size / layer.width, (row + 0.5) * input_size / layer.height
        half = min(layer.rf_size, input_size) / 2
    return cx, cy, max(cx - half, 0), max(cy - half, 0), min(cx + half, input_size), min(cy + half, input_size)


def crop_box(layer: LayerInfo, position: int, input_size: int, frame: Framing) -> tuple[int, int, int, int, int, int]:
    """(x, y, left, top, right, bottom) in source pixels: the activation's peak and its receptive field there."""
    cx, cy, *box = input_box(layer, position, input_size)
    (x, y), (left, top), (right, bottom) = (
        frame.to_source(cx, cy),
        frame.to_source(box[0], box[1]),
        frame.to_source(box[2], box[3]),
    )
    return (
        round(x),
        round(y),
        round(left),
        round(top),
        max(round(right), round(left) + 1),
        max(round(bottom), round(top) + 1),
    )


def example_records(
    layer: LayerInfo,
    top: TopExamples,
    images: Sequence[DatasetImage],
    input_size: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ExampleRecord]:
    """The stored form of a layer's top examples: crops around each peak at the unit's receptive-field size.

    `progress(1)` is called once each unit's crops are made.
    """
    return pick_records(layer, top_picks(top), images, input_size, progress=progress)


def pick_records(
    layer: LayerInfo,
    picks: Sequence[Pick],
    images: Sequence[DatasetImage],
    input_size: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ExampleRecord]:
    """Stored examples of measured picks (sorted by unit): `ExampleRecord` for top picks, `RangeExampleRecord` for
    the others; `progress(1)` once each unit's crops are made."""
    crops: dict[tuple[str, tuple[int, ...]], EncodedImage] = {}  # many units peak on the same crop of an image
    for i, pick in enumerate(picks):
        image = images[pick.image]
        source = _source_image(image.path)
        x, y, *box = crop_box(layer, pick.position or 0, input_size, Framing.fit(*source.size, input_size))
        key = (image.source, tuple(box))
        if key not in crops:
            crops[key] = crop_png(source, tuple(box))  # type: ignore[arg-type]
        fields = (pick.unit, pick.rank, image.source, float(pick.activation or 0.0), x, y, tuple(box), crops[key])
        if pick.kind == "top":
            yield ExampleRecord(*fields, amap=pick.amap)  # type: ignore[arg-type]
        else:
            yield RangeExampleRecord(*fields, amap=pick.amap, kind=pick.kind, quantile=pick.quantile)  # type: ignore[arg-type]
        if progress is not None and (i + 1 == len(picks) or picks[i + 1].unit != pick.unit):
            progress(1)


@lru_cache(maxsize=256)
def _source_image(path: object) -> Image.Image:
    return load_rgb(path)  # type: ignore[arg-type]
