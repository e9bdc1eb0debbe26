"""Per-unit rankings of images: the K images a unit ranks highest (or lowest), and the picks a layer stores.

The pass over the images (precompute.examples) ranks each unit's top-K here and the activation range
(precompute.activation_range) its bottom-K, so both build on this module and the pass imports the range, not the
other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class TopExamples:
    """Per unit, the K best images: activation (spatial max), image index and flat argmax position."""

    values: Tensor  # (units, K), descending
    images: Tensor  # (units, K) indices into the image list
    positions: Tensor  # (units, K) flat index into the layer's H×W map (0 for linear layers)

    @classmethod
    def none(cls, units: int) -> TopExamples:
        """No examples yet for `units` units."""
        return cls(torch.empty(units, 0), *(torch.empty(units, 0, dtype=torch.long) for _ in range(2)))

    def merge(self, values: Tensor, images: Tensor, positions: Tensor, k: int) -> TopExamples:
        """The top `k` of these and a new batch's (units, B) candidates."""
        all_values = torch.cat([self.values, values], dim=1)
        best, order = all_values.topk(min(k, all_values.shape[1]), dim=1)
        pick = lambda old, new: torch.cat([old, new], dim=1).gather(1, order)  # noqa: E731
        return TopExamples(best, pick(self.images, images), pick(self.positions, positions))

    def merge_peaks(self, values: Tensor, start: int, k: int, locate: Locate) -> TopExamples:
        """The top `k` of these and a batch's (units, B) peaks of images numbered from `start`; the positions of
        only the batch's entrants are located (`locate(batch rows, units)` → flat argmax positions)."""
        units, count = values.shape
        kept = self.values.shape[1]
        best, order = torch.cat([self.values, values], dim=1).topk(min(k, kept + count), dim=1)
        batch_images = torch.arange(start, start + count).expand(units, -1)
        images = torch.cat([self.images, batch_images], dim=1).gather(1, order)
        positions = torch.cat([self.positions, self.positions.new_zeros(units, count)], dim=1).gather(1, order)
        unit, slot = (order >= kept).nonzero(as_tuple=True)
        if len(unit):
            positions[unit, slot] = locate(order[unit, slot] - kept, unit)
        return TopExamples(best, images, positions)


Locate = Callable[[Tensor, Tensor], Tensor]


@dataclass
class Pick:
    """One example to store: a unit's image (index into the image list), its peak and, once measured, the unit's
    activation map over the crop. `kind` is "top", "bottom" or "quantile"."""

    unit: int
    rank: int
    image: int
    position: int | None  # flat index of the peak; None until measured (quantile samples)
    activation: float | None
    kind: str = "top"
    quantile: float | None = None
    amap: list[list[float]] | None = None


def top_picks(top: TopExamples, kind: str = "top") -> list[Pick]:
    """The picks of a (units, K) ranking, unit by unit, rank by rank."""
    units, k = top.values.shape
    values, images, positions = top.values.tolist(), top.images.tolist(), top.positions.tolist()
    return [Pick(u, r, images[u][r], positions[u][r], values[u][r], kind) for u in range(units) for r in range(k)]
