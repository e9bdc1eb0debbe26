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
        return _resample(x, F.affine_grid(theta, list(x.shape), align_corners=False))

    return apply


def compose(*transforms: Transform) -> Transform:
    """Apply transforms left to right, each drawing from the same generator."""

    def apply(x: Tensor, generator: torch.Generator) -> Tensor:
        for transform in transforms:
            x = transform(x, generator)
        return x

    return apply


def _scaled(pixels: int, size: int) -> int:
    """A pixel amount given for 128x128 images, scaled to `size` (at least 1 px unless it is 0)."""
    return max(1, round(pixels * size / REFERENCE_SIZE)) if pixels else 0


def lucid_chain(size: int, pad_px: int = PAD, jitter_px: int = FIRST_JITTER) -> Transform:
    """Lucid's standard set as Lucid applies it, one op at a time: pad 12, jitter 8, scale, rotate, jitter 4.

    Pixel amounts are given for 128-px images (the last jitter is half the first) and scaled to `size`.
    `standard_transforms` computes the same images in one resampling.
    """
    return compose(
        pad(_scaled(pad_px, size)),
        jitter(_scaled(jitter_px, size)),
        scale_rotate(),
        jitter(_scaled(jitter_px // 2, size)),
    )


def standard_transforms(size: int, pad_px: int = PAD, jitter_px: int = FIRST_JITTER) -> Transform:
    """Lucid's standard set (pad, jitter, scale, rotate, jitter) as one bilinear resampling per step.

    Padding, integer crops and the zoom-rotation compose into one map from output pixels to input positions,
    so a single `grid_sample` gives `lucid_chain`'s images (same random draws in the same order, same sizes)
    without materializing the padded and cropped intermediates, and its backward is one scatter instead of four.
    """
    amounts = _scaled(pad_px, size), _scaled(jitter_px, size), _scaled(jitter_px // 2, size)

    def apply(x: Tensor, generator: torch.Generator) -> Tensor:
        return _resample(x, _lucid_grid(x, amounts, generator))

    return apply


def _lucid_grid(x: Tensor, amounts: tuple[int, int, int], generator: torch.Generator) -> Tensor:
    """The (B, H', W', 2) grid_sample grid of pad → jitter → scale/rotate → jitter, in x's normalized coordinates."""
    pad_px, first, last = amounts
    batch, _, height, width = x.shape
    # Sizes along the chain: padded, then cropped by the first jitter (the rotation's frame), then by the last.
    frame_h, frame_w = height + 2 * pad_px - first, width + 2 * pad_px - first
    if first >= min(height, width) + 2 * pad_px or last >= min(frame_h, frame_w):
        raise ValueError(f"jitter of {first}/{last} px does not fit a {height}x{width} image padded by {pad_px}")
    out_h, out_w = frame_h - last, frame_w - last
    # Random draws in lucid_chain's order: first jitter, scale, angle, last jitter.
    first_offsets = torch.randint(first + 1, (batch, 2), generator=generator, device=generator.device)
    scale = _choice(SCALES, batch, generator)
    angle = _choice(ANGLES, batch, generator) * (math.pi / 180)
    last_offsets = torch.randint(last + 1, (batch, 2), generator=generator, device=generator.device)
    first_offsets, last_offsets, scale, angle = (t.to(x.device) for t in (first_offsets, last_offsets, scale, angle))
    cos, sin = (torch.cos(angle) / scale)[:, None, None], (torch.sin(angle) / scale)[:, None, None]
    rows = torch.arange(out_h, device=x.device, dtype=x.dtype)[None, :, None] + last_offsets[:, 0, None, None]
    cols = torch.arange(out_w, device=x.device, dtype=x.dtype)[None, None, :] + last_offsets[:, 1, None, None]
    # Output pixel centres in the rotation frame's normalized coordinates (align_corners=False).
    frame_y, frame_x = (2 * rows + 1) / frame_h - 1, (2 * cols + 1) / frame_w - 1
    # affine_grid's map (output → input) of scale_rotate, with the inverse zoom folded into cos and sin.
    source_x, source_y = cos * frame_x - sin * frame_y, sin * frame_x + cos * frame_y
    # Back to pixels of the frame, then of the input: the frame starts `first offset − pad` pixels into it.
    pixel_x = ((source_x + 1) * frame_w - 1) / 2 + (first_offsets[:, 1, None, None] - pad_px)
    pixel_y = ((source_y + 1) * frame_h - 1) / 2 + (first_offsets[:, 0, None, None] - pad_px)
    return torch.stack([(2 * pixel_x + 1) / width - 1, (2 * pixel_y + 1) / height - 1], dim=-1)


def _resample(x: Tensor, grid: Tensor) -> Tensor:
    """Bilinear resampling of x at grid, mid-grey (the pad value) wherever the grid falls outside x."""
    # Shifting by the pad value makes grid_sample's zero fill come out mid-grey like the pad.
    out = F.grid_sample(x - PAD_VALUE, grid.to(x.dtype), mode="bilinear", padding_mode="zeros", align_corners=False)
    return out + PAD_VALUE


def no_transforms(x: Tensor, _generator: torch.Generator) -> Tensor:
    """The identity, for renders without transformation robustness."""
    return x
