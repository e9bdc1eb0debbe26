"""Examples across the activation range, kept in the same pass over the images as the top examples.

Per unit of a layer, from each image's peak activation (the maximum over positions, as the top examples use):
the bottom-K (the K smallest peaks: "least active" means the smallest peak, which is the most negative for units
that go below zero), samples at activation quantiles, a histogram and summary statistics.

Memory: every image's peak is kept per unit as float16 (exact selection of an order statistic needs every value
in one pass), so a layer costs 2 bytes × images × units (50,000 images × 832 units: 83 MB), never the activation
maps. The bottom-K, the running sums and the extremes are exact float32/float64. Quantile samples are picked on the
float16 peaks; their stored activations are re-measured in float32 (precompute.activation_maps).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from precompute.rankings import Locate, Pick, TopExamples, top_picks
from store.records import ActivationStatsRecord

DEFAULT_QUANTILES = (0.99, 0.9, 0.5)
STAT_QUANTILES = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)  # summarized for every unit besides the sampled ones
FLOAT16_MAX = 65504.0  # peaks beyond ±this are clamped in the float16 buffer (their order among themselves is lost)
UNIT_CHUNK = 256  # units sorted at a time when finishing: bounds the float32 copy of the buffer


@dataclass
class RangeTracker:
    """One layer's running state: the bottom-K (stored negated, so `TopExamples.merge` keeps them), every peak as
    float16, and exact sums and extremes."""

    bottom: TopExamples
    peaks: Tensor  # (images, units) float16
    total: Tensor  # (units,) float64 sum of peaks
    total_sq: Tensor  # (units,) float64 sum of squared peaks
    low: Tensor  # (units,) float32
    high: Tensor
    k: int

    @classmethod
    def empty(cls, units: int, images: int, k: int) -> RangeTracker:
        """A tracker for `units` units over `images` images keeping the `k` least active."""
        zeros = torch.zeros(units, dtype=torch.float64)
        return cls(
            bottom=TopExamples.none(units),
            peaks=torch.empty(images, units, dtype=torch.float16),
            total=zeros,
            total_sq=zeros.clone(),
            low=torch.full((units,), float("inf")),
            high=torch.full((units,), float("-inf")),
            k=min(k, images),
        )

    def update(self, start: int, values: Tensor, locate: Locate) -> None:
        """Take a batch's (B, units) peaks of images numbered from `start` (`locate` finds their positions)."""
        self.peaks[start : start + len(values)] = values.clamp(-FLOAT16_MAX, FLOAT16_MAX).half()
        wide = values.double()
        self.total += wide.sum(0)
        self.total_sq += (wide * wide).sum(0)
        self.low = torch.minimum(self.low, values.min(0).values)
        self.high = torch.maximum(self.high, values.max(0).values)
        if self.k:
            self.bottom = self.bottom.merge_peaks(-values.T, start, self.k, locate)

    @property
    def nbytes(self) -> int:
        """Bytes held: the float16 peaks dominate (2 × images × units)."""
        parts = (self.peaks, self.total, self.total_sq, self.low, self.high, *vars(self.bottom).values())
        return sum(t.numel() * t.element_size() for t in parts)


@dataclass(frozen=True)
class RangePicks:
    """A finished layer: the bottom-K (least active first), the image at each quantile, and per-unit statistics."""

    bottom: TopExamples  # (units, K) ascending peaks
    quantiles: tuple[float, ...]  # highest first
    quantile_images: Tensor  # (units, len(quantiles)) image indices
    stats: list[ActivationStatsRecord]


def quantile_rank(q: float, count: int) -> int:
    """The ascending order statistic sampled for quantile `q` of `count` values (nearest rank)."""
    return min(max(round(q * (count - 1)), 0), count - 1)


def finish(tracker: RangeTracker, quantiles: tuple[float, ...], bins: int) -> RangePicks:
    """Bottom-K, quantile picks, histogram and statistics of a layer once every image has been seen."""
    count, units = tracker.peaks.shape
    ordered = tuple(sorted(set(quantiles), reverse=True))
    stat_qs = sorted(set(STAT_QUANTILES) | set(ordered))
    picks, values = [], []
    for first in range(0, units, UNIT_CHUNK):
        chunk = tracker.peaks[:, first : first + UNIT_CHUNK].float().T.contiguous()  # (chunk, images): rows sort fast
        order = chunk.sort(dim=1)
        picks.append(order.indices[:, [quantile_rank(q, count) for q in ordered]])
        values.append(order.values[:, [quantile_rank(q, count) for q in stat_qs]])
        span = slice(first, first + UNIT_CHUNK)
        counts = _counts(chunk, tracker.low[span], tracker.high[span], bins)
        values[-1] = torch.cat([values[-1], counts.float()], dim=1)
    table = torch.cat(values).tolist() if values else []
    bottom = tracker.bottom
    return RangePicks(
        bottom=TopExamples(-bottom.values, bottom.images, bottom.positions),
        quantiles=ordered,
        quantile_images=torch.cat(picks) if picks else torch.empty(0, len(ordered), dtype=torch.long),
        stats=_stats(tracker, count, stat_qs, table, bins),
    )


def histogram_edges(low: Tensor, high: Tensor, bins: int) -> Tensor:
    """(units, bins + 1) equal-width edges from each unit's minimum to its maximum (±0.5 around a constant unit)."""
    flat = (high - low) < 1e-12
    low, high = torch.where(flat, low - 0.5, low), torch.where(flat, high + 0.5, high)
    steps = torch.linspace(0, 1, bins + 1)
    return low[:, None] + (high - low)[:, None] * steps[None, :]


def _counts(chunk: Tensor, low: Tensor, high: Tensor, bins: int) -> Tensor:
    """(units, bins) image counts per bin, every image in exactly one bin (the last bin includes the maximum)."""
    edges = histogram_edges(low, high, bins)
    width = (edges[:, -1] - edges[:, 0])[:, None]
    index = ((chunk - edges[:, :1]) / width * bins).floor().long().clamp(0, bins - 1)
    return torch.zeros(chunk.shape[0], bins, dtype=torch.long).scatter_add_(1, index, torch.ones_like(index))


def _stats(
    tracker: RangeTracker, count: int, stat_qs: list[float], table: list[list[float]], bins: int
) -> list[ActivationStatsRecord]:
    """Every unit's record from its row of `table` (quantile values, then bin counts), computed for all at once."""
    mean = tracker.total / count
    std = (tracker.total_sq / count - mean * mean).clamp(min=0).sqrt()
    edges = histogram_edges(tracker.low, tracker.high, bins).tolist()
    rows = zip(mean.tolist(), std.tolist(), tracker.low.tolist(), tracker.high.tolist(), edges, table, strict=True)
    return [
        ActivationStatsRecord(
            unit=unit,
            count=count,
            mean=sig4(m),
            std=sig4(sd),
            min=low,
            max=high,
            quantiles={str(q): sig4(v) for q, v in zip(stat_qs, row, strict=False)},
            histogram={"edges": [sig4(e) for e in unit_edges], "counts": [int(c) for c in row[len(stat_qs) :]]},
        )
        for unit, (m, sd, low, high, unit_edges, row) in enumerate(rows)
    ]


def sig4(value: float) -> float:
    """`value` rounded to 4 significant digits (short in JSON, finer than anything the page shows)."""
    return float(f"{value:.4g}")


def layer_picks(top: TopExamples, picks: RangePicks) -> list[Pick]:
    """Every example a layer stores, unit by unit: its top-K, bottom-K (least active first) and quantile samples
    (highest quantile first; their peaks and positions are measured later)."""
    tops, bottoms = top_picks(top), top_picks(picks.bottom, "bottom")
    per_top, per_bottom = top.values.shape[1], picks.bottom.values.shape[1]
    samples = picks.quantile_images.tolist()
    found: list[Pick] = []
    for unit in range(top.values.shape[0]):
        found += tops[unit * per_top : (unit + 1) * per_top] + bottoms[unit * per_bottom : (unit + 1) * per_bottom]
        found += [
            Pick(unit, rank, samples[unit][rank], None, None, "quantile", q) for rank, q in enumerate(picks.quantiles)
        ]
    return found
