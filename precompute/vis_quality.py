"""How good feature visualizations are, measured: do they excite their unit at least as much as its best dataset
image, and do they keep doing so under small shifts, turns and zooms (or is the unit reacting to pixel noise)?

Used by the demo's quality test and `bench/vis_quality.py`, which records the distributions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from precompute.config import PrecomputeConfig
from precompute.demo.train import HELDOUT_PER_CLASS, HELDOUT_SEED
from precompute.optvis import Renderer, RenderSettings, channel
from precompute.stages.feature_vis import render_settings
from precompute.stimuli import CLASSES, sample
from precompute.zoo import load_model
from precompute.zoo.demo_net import INPUT, MODEL_ID

SHIFT = 0.10  # of the image side, either way
DEGREES = 10.0  # either way
ZOOM = 0.10  # 0.9 … 1.1
GREY = 0.5  # what shows where a shifted or turned image leaves the frame


@dataclass(frozen=True)
class VisQuality:
    """Per unit, after the layer's ReLU (as dataset examples are measured): the channel objective — the unit's map
    averaged over positions — of its channel image, of the dataset image that scores highest on it, and of the
    channel image under each random transform (units × draws); and the peaks (maxima over positions) of the image
    and of the dataset's best, the measure the unit page shows."""

    units: list[int]
    image: Tensor
    dataset: Tensor
    transformed: Tensor
    image_peak: Tensor
    dataset_peak: Tensor

    @property
    def over_dataset(self) -> Tensor:
        """image / dataset best, per unit (≥ 1: the image excites the unit at least as much as any dataset image)."""
        return self.image / self.dataset.clamp_min(1e-12)

    @property
    def peak_over_dataset(self) -> Tensor:
        """The same ratio of peaks: one position of the image against one of a dataset image."""
        return self.image_peak / self.dataset_peak.clamp_min(1e-12)

    @property
    def kept(self) -> Tensor:
        """transformed / image, per unit and draw: the share of the activation a small transform leaves."""
        return self.transformed / self.image.clamp_min(1e-12)[:, None]


def random_affine(images: Tensor, draws: int, seed: int) -> Tensor:
    """`draws` random copies of each image (B·draws, 3, H, W; image-major): shifted up to ±10 % of the side on each
    axis, turned up to ±10° and zoomed 0.9–1.1 about the centre, grey outside."""
    generator = torch.Generator().manual_seed(seed)
    count = images.shape[0] * draws
    shift = (torch.rand(count, 2, generator=generator) * 2 - 1) * SHIFT * 2  # normalized coordinates span 2
    angle = (torch.rand(count, generator=generator) * 2 - 1) * math.radians(DEGREES)
    zoom = 1 + (torch.rand(count, generator=generator) * 2 - 1) * ZOOM
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    repeated = images.repeat_interleave(draws, dim=0)
    grid = F.affine_grid(theta.to(images.dtype), list(repeated.shape), align_corners=False)
    out = F.grid_sample(repeated - GREY, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out + GREY


def dataset_best(
    renderer: Renderer, layer: str, images: Iterable[Tensor], settings: RenderSettings, statistic: str = "peak"
) -> Tensor:
    """Every unit's highest peak (or mean) activation over batches of dataset images (B, 3, size, size in [0, 1])."""
    best: Tensor | None = None
    plain = RenderSettings(**{**settings.as_dict(), "oversample": 1})  # dataset images are at the network's size
    for batch in images:
        values, _ = renderer.measure(layer, batch, plain, statistic=statistic)
        top = values.amax(0)
        best = top if best is None else torch.maximum(best, top)
    if best is None:
        raise ValueError("no dataset images given")
    return best


def measure_quality(
    renderer: Renderer,
    layer: str,
    units: Sequence[int],
    settings: RenderSettings,
    dataset: tuple[Tensor, Tensor],
    *,
    draws: int = 8,
    seed: int = 0,
) -> VisQuality:
    """Render the units' channel images with `settings`, then measure them against `dataset`: every unit's best
    (mean, peak) over the dataset."""
    units = list(units)
    result = renderer.render(channel(layer, units), len(units), settings)
    assert result.optimized is not None
    index = torch.arange(len(units))
    means, _ = renderer.measure(layer, result.optimized, settings, statistic="mean")
    peaks, _ = renderer.measure(layer, result.optimized, settings)
    moved, _ = renderer.measure(layer, random_affine(result.optimized, draws, seed), settings, statistic="mean")
    transformed = moved[torch.arange(len(units) * draws), torch.tensor(units).repeat_interleave(draws)]
    best_mean, best_peak = dataset
    return VisQuality(
        units,
        means[index, units],
        best_mean[units],
        transformed.view(len(units), draws),
        peaks[index, units],
        best_peak[units],
    )


def quantiles(values: Tensor, points: Sequence[float] = (0.0, 0.1, 0.5, 0.9, 1.0)) -> str:
    """`min 1.2 · 10% 1.5 · median 2.0 · 90% 3.1 · max 4.0` for a distribution."""
    names = {0.0: "min", 0.5: "median", 1.0: "max"}
    flat = values.flatten().float()
    return " · ".join(f"{names.get(p, f'{p:.0%}')} {torch.quantile(flat, p).item():.2f}" for p in points)


@dataclass
class DemoDataset:
    """The demo network, a Renderer on it, the settings `microscope demo` renders with, and its held-out images."""

    renderer: Renderer
    settings: RenderSettings
    batches: list[Tensor]
    images: int
    _best: dict[str, tuple[Tensor, Tensor]]

    def best(self, layer: str) -> tuple[Tensor, Tensor]:
        """Every unit's highest mean and highest peak activation over the held-out images (the peak is what its top
        dataset example shows)."""
        if layer not in self._best:
            self._best[layer] = tuple(  # type: ignore[assignment]
                dataset_best(self.renderer, layer, self.batches, self.settings, statistic)
                for statistic in ("mean", "peak")
            )
        return self._best[layer]  # type: ignore[return-value]


def demo_dataset(batch: int = 256) -> DemoDataset:
    """The demo's network and held-out stimuli (HELDOUT_PER_CLASS per class, the demo's seed), generated in memory."""
    model = load_model(MODEL_ID)
    settings = render_settings(PrecomputeConfig.preset("demo", model=MODEL_ID, store=Path("demo")), model)
    renderer = Renderer(model.module, model.input.normalize, layers=model.layers)
    count = HELDOUT_PER_CLASS * len(CLASSES)
    pixels = [np.asarray(s.image, dtype=np.float32) / 255 for s in sample(count, HELDOUT_SEED, size=INPUT.size)]
    images = torch.from_numpy(np.stack(pixels)).permute(0, 3, 1, 2)
    return DemoDataset(renderer, settings, list(images.split(batch)), count, {})


def demo_quality(
    dataset: DemoDataset,
    layer: str,
    units: Sequence[int],
    *,
    steps: int | None = None,
    draws: int = 8,
    seed: int | None = None,
) -> VisQuality:
    """The demo's channel images of `units` (rendered as the demo renders them, unless `steps` or `seed` say
    otherwise), measured against its dataset."""
    changes = {key: value for key, value in (("steps", steps), ("seed", seed)) if value is not None}
    settings = RenderSettings(**{**dataset.settings.as_dict(), **changes})
    return measure_quality(dataset.renderer, layer, units, settings, dataset.best(layer), draws=draws)
