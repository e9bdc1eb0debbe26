"""Random image transforms applied each step, so the optimized image must work under small shifts and turns.

Every transform is vectorized over the batch with independent randomness per item, and draws its random
numbers from the generator passed in (on the generator's device) so renders are reproducible from a seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

Transform = Callable[[Tensor, torch.Generator], Tensor]

REFERENCE_SIZE = 128  # Lucid's pixel amounts below are for a 128x128 image
PAD = 12
FIRST_JITTER = 8
LAST_JITTER = 4
SCALES = tuple(1 + (i - 5) / 50 for i in range(11))  # 0.90 … 1.10 in steps of 0.02
ANGLES = tuple(range(-10, 11)) + (0,) * 5  # degrees; 0 listed five extra times, as in Lucid
PAD_VALUE = 0.5  # mid-grey: padding adds no colour or edge the objective could exploit


def _choice(options: Sequence[float], n: int, generator: torch.Generator) -> Tensor:
    """`n` independent draws from `options`, uniform over list entries (repeats weight a value)."""
    index = torch.randint(len(options), (n,), generator=generator, device=generator.device)
    return torch.tensor(options, dtype=torch.float32, device=generator.device)[index]


def pad(amount: int, value: float = PAD_VALUE) -> Transform:
    """Pad every side by `amount` pixels of a constant."""

    def apply(x: Tensor, _generator: torch.Generator) -> Tensor:
        return F.pad(x, (amount, amount, amount, amount), value=value)

    return apply


def jitter(amount: int) -> Transform:
    """Random crop `amount` pixels smaller, offset 0…amount independently per item and axis (Lucid's jitter)."""

    def apply(x: Tensor, generator: torch.Generator) -> Tensor:
        batch, channels, height, width = x.shape
        if amount >= min(height, width):
            raise ValueError(f"jitter of {amount} px does not fit a {height}x{width} image")
        offsets = torch.randint(amount + 1, (batch, 2), generator=generator, device=generator.device)
        offsets = offsets.to(x.device)
        rows = offsets[:, 0, None] + torch.arange(height - amount, device=x.device)  # (B, H')
        cols = offsets[:, 1, None] + torch.arange(width - amount, device=x.device)  # (B, W')
        b = torch.arange(batch, device=x.device)[:, None, None, None]
        c = torch.arange(channels, device=x.device)[None, :, None, None]
        return x[b, c, rows[:, None, :, None], cols[:, None, None, :]]

    return apply


def scale_rotate(scales: Sequence[float] = SCALES, angles: Sequence[float] = ANGLES) -> Transform:
    """Random zoom and rotation about the centre in one resampling, same output size, grey outside."""

    def apply(x: Tensor, generator: torch.Generator) -> Tensor:
        batch = x.shape[0]
        scale = _choice(scales, batch, generator).to(x.device, x.dtype)
        angle = _choice(angles, batch, generator).to(x.device, x.dtype) * (math.pi / 180)
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        zero = torch.zeros_like(cos)
        # affine_grid maps output to input coordinates, so the inverse zoom (1/scale) enlarges the content.
        theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        # Shifting by the pad value makes grid_sample's zero fill come out mid-grey like the pad.
        out = F.grid_sample(x - PAD_VALUE, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return out + PAD_VALUE

    return apply


def compose(*transforms: Transform) -> Transform:
    """Apply transforms left to right, each drawing from the same generator."""

    def apply(x: Tensor, generator: torch.Generator) -> Tensor:
        for transform in transforms:
            x = transform(x, generator)
        return x

    return apply


def _scaled(pixels: int, size: int) -> int:
    """A pixel amount given for 128x128 images, scaled to `size` (at least 1 px)."""
    return max(1, round(pixels * size / REFERENCE_SIZE))


def standard_transforms(size: int) -> Transform:
    """Lucid's standard set (pad 12, jitter 8, scale, rotate, jitter 4), pixel amounts scaled to `size`."""
    return compose(
        pad(_scaled(PAD, size)),
        jitter(_scaled(FIRST_JITTER, size)),
        scale_rotate(),
        jitter(_scaled(LAST_JITTER, size)),
    )


def no_transforms(x: Tensor, _generator: torch.Generator) -> Tensor:
    """The identity, for renders without transformation robustness."""
    return x
