"""Dataset examples: one pass over the images keeps, for every unit of every layer, the K images that excite it most."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image
from torch import Tensor

from precompute.hooks import LayerTap
from precompute.images import DatasetImage, Framing, crop_png, load_rgb, to_input
from precompute.layers import LayerInfo
from precompute.zoo import LoadedModel
from store.records import DatasetImageRecord, EncodedImage, ExampleRecord


@dataclass
class TopExamples:
    """Per unit, the K best images: activation (spatial max), image index and flat argmax position."""

    values: Tensor  # (units, K), descending
    images: Tensor  # (units, K) indices into the image list
    positions: Tensor  # (units, K) flat index into the layer's H×W map (0 for linear layers)

    def merge(self, values: Tensor, images: Tensor, positions: Tensor, k: int) -> TopExamples:
        """The top `k` of these and a new batch's (units, B) candidates."""
        all_values = torch.cat([self.values, values], dim=1)
        best, order = all_values.topk(min(k, all_values.shape[1]), dim=1)
        pick = lambda old, new: torch.cat([old, new], dim=1).gather(1, order)  # noqa: E731
        return TopExamples(best, pick(self.images, images), pick(self.positions, positions))


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


@torch.no_grad()
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
    k = min(top_k, len(images))
    tops = {
        layer.name: TopExamples(
            *(torch.empty(layer.units, 0, dtype=d) for d in (torch.float32, torch.long, torch.long))
        )
        for layer in layers
    }
    records: list[DatasetImageRecord] = []
    with LayerTap(model.module, [layer.name for layer in layers]) as tap:
        for start, batch, sizes in batches(images, model.input.size, batch_size):
            acts = tap.run(model.input.normalize(batch.to(device)))
            index = torch.arange(start, start + len(batch)).expand(1, -1)
            for name, act in acts.items():
                values, positions = spatial_max(act.float().cpu())
                tops[name] = tops[name].merge(values.T, index.expand(values.shape[1], -1), positions.T, k)
            records += [
                DatasetImageRecord(image.source, image.label, w, h)
                for image, (w, h) in zip(images[start : start + len(batch)], sizes, strict=True)
            ]
            if progress:
                progress(len(batch))
    return tops, records


def crop_box(layer: LayerInfo, position: int, input_size: int, frame: Framing) -> tuple[int, int, int, int, int, int]:
    """(x, y, left, top, right, bottom) in source pixels: the activation's peak and its receptive field there."""
    if layer.kind == "linear" or not layer.width or not layer.height:
        cx = cy = input_size / 2
        half = input_size / 2
    else:
        row, col = divmod(int(position), layer.width)
        cx, cy = (col + 0.5) * input_size / layer.width, (row + 0.5) * input_size / layer.height
        half = min(layer.rf_size, input_size) / 2
    (x, y), (left, top), (right, bottom) = (
        frame.to_source(cx, cy),
        frame.to_source(max(cx - half, 0), max(cy - half, 0)),
        frame.to_source(min(cx + half, input_size), min(cy + half, input_size)),
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
    crops: dict[tuple[str, tuple[int, ...]], EncodedImage] = {}  # many units peak on the same crop of an image
    for unit in range(top.values.shape[0]):
        for rank in range(top.values.shape[1]):
            image = images[int(top.images[unit, rank])]
            source = _source_image(image.path)
            frame = Framing.fit(*source.size, input_size)
            x, y, *box = crop_box(layer, int(top.positions[unit, rank]), input_size, frame)
            key = (image.source, tuple(box))
            if key not in crops:
                crops[key] = crop_png(source, tuple(box))  # type: ignore[arg-type]
            yield ExampleRecord(
                unit=unit,
                rank=rank,
                source=image.source,
                activation=float(top.values[unit, rank]),
                x=x,
                y=y,
                crop=tuple(box),
                image=crops[key],  # type: ignore[arg-type]
            )
        if progress is not None:
            progress(1)


@lru_cache(maxsize=256)
def _source_image(path: object) -> Image.Image:
    return load_rgb(path)  # type: ignore[arg-type]
