"""Activation maps over example crops: re-run the model once over the images that examples come from.

The pass over the dataset keeps only each image's peak per unit (keeping every map would cost images × units ×
H × W); once the examples are chosen, one batched forward over their distinct images (all layers tapped at once)
gives each example the unit's map. A pick without a position (a quantile sample) takes its peak and position
from this re-measurement, in float32.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from precompute.examples import input_box
from precompute.hooks import LayerTap
from precompute.images import DatasetImage, load_rgb, to_input
from precompute.layers import LayerInfo
from precompute.rankings import Pick
from precompute.zoo import LoadedModel

AMAP_MAX_SIDE = 16  # map cells per side kept over a crop; larger regions are average-pooled down to this


@torch.no_grad()
def measure_picks(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    picks: dict[str, list[Pick]],
    images: Sequence[DatasetImage],
    *,
    batch_size: int = 64,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Fill every pick's `amap` (and a quantile sample's position and activation) from its image's forward pass."""
    by_image: dict[int, list[tuple[LayerInfo, Pick]]] = defaultdict(list)
    for layer in layers:
        for pick in picks.get(layer.name, []):
            by_image[pick.image].append((layer, pick))
    wanted = sorted(by_image)
    with LayerTap(model.module, [layer.name for layer in layers if picks.get(layer.name)]) as tap:
        for start in range(0, len(wanted), batch_size):
            chunk = wanted[start : start + batch_size]
            batch = torch.stack([to_input(load_rgb(images[i].path), model.input.size) for i in chunk])
            acts = tap.run(model.input.normalize(batch.to(device)))
            for row, image in enumerate(chunk):
                for layer, pick in by_image[image]:
                    _fill(layer, pick, acts[layer.name][row, pick.unit].float().cpu(), model.input.size)
            if progress:
                progress(len(chunk))


def order_quantile_samples(picks: list[Pick]) -> None:
    """Per unit, hand the measured quantile samples to the quantiles highest activation first.

    Samples are picked on float16 peaks; images tied there may come back from the float32 re-measurement in
    either order, and reassigning within the unit makes the stored samples monotone in their quantile.
    """
    by_unit: dict[int, list[Pick]] = defaultdict(list)
    for pick in picks:
        if pick.kind == "quantile":
            by_unit[pick.unit].append(pick)
    for samples in by_unit.values():
        slots = sorted(((p.rank, p.quantile) for p in samples), key=lambda slot: slot[0])
        ranked = sorted(samples, key=lambda p: -(p.activation or 0.0))
        for (rank, quantile), pick in zip(slots, ranked, strict=True):
            pick.rank, pick.quantile = rank, quantile


def _fill(layer: LayerInfo, pick: Pick, unit_map: Tensor, input_size: int) -> None:
    if unit_map.dim() == 0:  # a linear layer: one value, no map
        pick.position = pick.position if pick.position is not None else 0
        pick.activation = pick.activation if pick.activation is not None else float(unit_map)
        return
    if pick.position is None:
        peak, position = unit_map.flatten().max(dim=0)
        pick.position, pick.activation = int(position), float(peak)
    pick.amap = crop_map(layer, unit_map, pick.position, input_size)


def crop_map(layer: LayerInfo, unit_map: Tensor, position: int, input_size: int) -> list[list[float]]:
    """The unit's (H, W) map over the crop around `position`: the cells whose centres lie in the crop, at most
    AMAP_MAX_SIDE per side, each rounded to 4 significant digits."""
    height, width = unit_map.shape
    _, _, left, top, right, bottom = input_box(layer, position, input_size)
    row, col = divmod(position, width)
    rows = _cells(top, bottom, input_size / height, height, row)
    cols = _cells(left, right, input_size / width, width, col)
    region = unit_map[rows[0] : rows[1], cols[0] : cols[1]]
    if max(region.shape) > AMAP_MAX_SIDE:
        side = (min(region.shape[0], AMAP_MAX_SIDE), min(region.shape[1], AMAP_MAX_SIDE))
        region = F.adaptive_avg_pool2d(region[None, None], side)[0, 0]
    return round_sig4(region.double().numpy()).tolist()


def _cells(start: float, end: float, step: float, count: int, peak: int) -> tuple[int, int]:
    """[first, last) cells whose centres (i + 0.5)·step lie in [start, end]; at least the peak's cell."""
    first = max(int(np.ceil(start / step - 0.5)), 0)
    last = min(int(np.floor(end / step - 0.5)) + 1, count)
    return (first, last) if first < last else (peak, peak + 1)


def round_sig4(values: np.ndarray) -> np.ndarray:
    """Every value rounded to 4 significant digits, as the nearest double to that decimal (short in JSON)."""
    magnitude = np.floor(np.log10(np.where(values == 0, 1.0, np.abs(values))))
    digits = (3 - magnitude).astype(int)
    up, down = 10.0 ** digits.clip(0), 10.0 ** (-digits).clip(0)  # powers of ten up to 1e22 are exact doubles
    return np.round(values * up / down) / up * down
