"""Expanded weights of many units from one image: each unit's kernel read at its own position of the map.

Between two spatial layers the linearized path is linear and, away from the borders, the same at every position.
So a backward pass from unit u at position p yields u's kernel in the window of the earlier map that p reads, and
units placed at positions whose windows do not overlap can share one pass: the gradient holds each kernel in its
own window. A map of 28 × 28 with 3 × 3 kernels fits 81 units per image where the plain way spends an image on each.

Which positions behave like the centre is not assumed but checked: one pass with a random mix of all units at every
candidate position must give the centre's window exactly (up to float32 rounding) in each; the others are dropped.
When fewer than two positions pass (global pooling, a linear layer, a window as large as the map), the caller falls
back to one image per unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from precompute.hooks import LayerTap
from precompute.layers import LayerInfo
from precompute.linearize import linearized
from precompute.zoo import LoadedModel

Pick = tuple[int, int, int, int]  # (image, unit, row, column): a unit's activation the backward pass starts from


def packed_kernels(
    model: LoadedModel,
    src: LayerInfo,
    dst: LayerInfo,
    *,
    batch_size: int,
    device: str,
    progress: Callable[[int], None] | None = None,
) -> Tensor | None:
    """Kernels (dst units, src units, kh, kw) as `connections.expanded_weights` computes them, or None."""
    if src.height is None or dst.height is None or src.width is None or dst.width is None:
        return None
    if src.height % dst.height or src.width % dst.width or src.height // dst.height != src.width // dst.width:
        return None
    try:
        return _packed(model, src, dst, src.height // dst.height, batch_size, device, progress)
    except RuntimeError:  # the path mixes in tensors from before `src`: their batch of one disagrees
        return None


def _packed(
    model: LoadedModel,
    src: LayerInfo,
    dst: LayerInfo,
    stride: int,
    batch_size: int,
    device: str,
    progress: Callable[[int], None] | None,
) -> Tensor | None:
    centre = (dst.height // 2, dst.width // 2)  # type: ignore[operator]
    mix = torch.randn(dst.units, generator=torch.Generator().manual_seed(0))
    probe = _backward(model, src.name, dst.name, [[(centre, mix)]], device)[0]
    window = _support(probe)
    if window is None:
        return None
    positions = _valid_positions(model, src, dst, stride, centre, window, mix, probe, device)
    if len(positions) < 2:
        return None
    (r0, r1), (c0, c1) = window
    kernels = torch.empty(dst.units, src.units, r1 - r0, c1 - c0)
    per_pass = len(positions) * batch_size
    for start in range(0, dst.units, per_pass):
        units = list(range(start, min(start + per_pass, dst.units)))
        images = [units[i : i + len(positions)] for i in range(0, len(units), len(positions))]
        picks = [[(p, _one_hot(u, dst.units)) for u, p in zip(chunk, positions, strict=False)] for chunk in images]
        grads = _backward(model, src.name, dst.name, picks, device)
        for image, chunk in enumerate(images):
            for unit, (py, px) in zip(chunk, positions, strict=False):
                dy, dx = (py - centre[0]) * stride, (px - centre[1]) * stride
                kernels[unit] = grads[image, :, r0 + dy : r1 + dy, c0 + dx : c1 + dx]
        if progress is not None:
            progress(len(units))
    return kernels


def _one_hot(unit: int, units: int) -> Tensor:
    weights = torch.zeros(units)
    weights[unit] = 1.0
    return weights


def _support(grad: Tensor) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The bounding box (row range, column range, stop exclusive) of the nonzero entries of (C, H, W)."""
    nonzero = grad.abs().amax(dim=0) > 0
    rows, cols = nonzero.any(dim=1).nonzero().flatten(), nonzero.any(dim=0).nonzero().flatten()
    if len(rows) == 0:
        return None
    return (int(rows.min()), int(rows.max()) + 1), (int(cols.min()), int(cols.max()) + 1)


def _valid_positions(
    model: LoadedModel,
    src: LayerInfo,
    dst: LayerInfo,
    stride: int,
    centre: tuple[int, int],
    window: tuple[tuple[int, int], tuple[int, int]],
    mix: Tensor,
    probe: Tensor,
    device: str,
) -> list[tuple[int, int]]:
    """Positions of `dst` on a lattice of non-overlapping windows through the centre that reproduce its kernels."""
    (r0, r1), (c0, c1) = window
    step_y, step_x = math.ceil((r1 - r0) / stride), math.ceil((c1 - c0) / stride)
    rows = _lattice(centre[0], step_y, dst.height, r0 - centre[0] * stride, r1 - r0, stride, src.height)  # type: ignore[arg-type]
    cols = _lattice(centre[1], step_x, dst.width, c0 - centre[1] * stride, c1 - c0, stride, src.width)  # type: ignore[arg-type]
    candidates = [(py, px) for py in rows for px in cols]
    if len(candidates) < 2:
        return []
    grad = _backward(model, src.name, dst.name, [[(p, mix) for p in candidates]], device)[0]
    expected = probe[:, r0:r1, c0:c1]
    tolerance = 1e-5 * float(expected.abs().max())
    valid = []
    for py, px in candidates:
        dy, dx = (py - centre[0]) * stride, (px - centre[1]) * stride
        found = grad[:, r0 + dy : r1 + dy, c0 + dx : c1 + dx]
        if torch.allclose(found, expected, rtol=1e-4, atol=tolerance):
            valid.append((py, px))
    return valid if centre in valid else []


def _lattice(centre: int, step: int, size: int, base: int, length: int, stride: int, src_size: int) -> list[int]:
    """Positions centre + k·step of the map whose window (base + position·stride, `length` long) fits `src_size`."""
    return [
        p for p in range(centre % step, size, step) if base + p * stride >= 0 and base + p * stride + length <= src_size
    ]


def _backward(
    model: LoadedModel, src: str, dst: str, picks: list[list[tuple[tuple[int, int], Tensor]]], device: str
) -> Tensor:
    """d(Σ over each image's picks of Σ_u weight_u · dst[u, position]) / d(src's map): (images, C, H, W).

    The layers before `src` run on one image; its output is replaced by a zero batch with one map per image.
    """
    leaf: dict[str, Tensor] = {}

    def substitute(output: Tensor) -> Tensor:
        leaf["z"] = output.new_zeros((len(picks), *output.shape[1:]), requires_grad=True)
        return leaf["z"]

    x = torch.zeros(1, 3, model.input.size, model.input.size, device=device)
    with torch.enable_grad(), linearized(), LayerTap(model.module, [dst], replace={src: substitute}) as tap:
        out = tap.run(model.input.normalize(x))[dst]
        seed = torch.zeros_like(out)
        for image, chosen in enumerate(picks):
            for (py, px), weights in chosen:
                seed[image, :, py, px] += weights.to(seed)
        (grad,) = torch.autograd.grad(out, leaf["z"], grad_outputs=seed)
    return grad.detach().float().cpu()
