"""Kernels as tiny heatmap images for a circuit's grid: red excites, blue inhibits, every cell on one scale.

Each kernel is a PNG of one pixel per weight, inlined as a `data:` URI (the CSP allows those for images) and scaled
up without smoothing by the page's CSS. A grid of 64 × 64 kernels of 11 × 11 weights would be half a million SVG
rectangles; as PNGs it is a few hundred kilobytes. The colours are those of the SVG kernels and legend
(`store.figures.kernels`).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from store.figures.kernels import NEGATIVE, POSITIVE

CELL_PX = 48  # the longer side of a drawn kernel, in CSS pixels
_WHITE = np.array([255.0, 255.0, 255.0])
_POSITIVE = np.array([float(c) for c in POSITIVE.split(",")])
_NEGATIVE = np.array([float(c) for c in NEGATIVE.split(",")])


@dataclass(frozen=True)
class KernelCell:
    """One drawn kernel: its image, its size on the page and what hovering it says."""

    uri: str
    width: int
    height: int
    title: str


def heatmap(kernel: np.ndarray, scale: float) -> np.ndarray:
    """(h, w, 3) uint8 colours: white at 0, full red at +scale, full blue at −scale (as rgba over white)."""
    values = np.asarray(kernel, dtype=np.float64)
    share = np.clip(np.abs(values) / (scale or 1.0), 0.0, 1.0)[..., None]
    colour = np.where(values[..., None] >= 0, _POSITIVE, _NEGATIVE)
    return np.round(_WHITE + (colour - _WHITE) * share).astype(np.uint8)


def png(rgb: np.ndarray) -> bytes:
    """The bytes of an 8-bit RGB PNG of the (h, w, 3) uint8 array."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def kernel_uri(kernel: np.ndarray, scale: float) -> str:
    """The kernel's heatmap as a `data:image/png` URI."""
    return _uri(heatmap(kernel, scale))


def signed(value: float) -> str:
    """'+0.25', '−0.5': a weight with its sign, 3 significant digits."""
    return ("+" if value >= 0 else "−") + f"{abs(value):.3g}"


def describe(kernel: np.ndarray) -> str:
    """What hovering a kernel says: its weight, or its sum and strongest value (and where) for a spatial one."""
    values = np.asarray(kernel, dtype=np.float64)
    if values.size == 1:
        return f"weight {signed(float(values.flat[0]))}"
    y, x = np.unravel_index(int(np.abs(values).argmax()), values.shape)
    return f"sum {signed(float(values.sum()))}, strongest {signed(float(values[y, x]))} at row {y}, column {x}"


def kernel_cell(kernel: np.ndarray, scale: float, name: str) -> KernelCell:
    """A drawn kernel; `name` says which units it joins ('mixed3b:379 → mixed4a:12')."""
    return kernel_cells(np.asarray(kernel, dtype=np.float64)[None, None], scale, [[name]])[0][0]


def _descriptions(kernels: np.ndarray) -> list[list[str]]:
    """`describe` of each kernel of a (rows, columns, h, w) block, with numpy's work done once for the block."""
    rows, columns, height, width = kernels.shape
    flat = kernels.reshape(rows, columns, height * width)
    if height * width == 1:
        return [[f"weight {signed(v)}" for v in line] for line in flat[:, :, 0].tolist()]
    sums, at = flat.sum(axis=-1).tolist(), np.abs(flat).argmax(axis=-1)
    strongest = np.take_along_axis(flat, at[..., None], axis=-1)[..., 0].tolist()
    return [
        [
            f"sum {signed(total)}, strongest {signed(peak)} at row {i // width}, column {i % width}"
            for total, peak, i in zip(sum_line, peak_line, at_line, strict=True)
        ]
        for sum_line, peak_line, at_line in zip(sums, strongest, at.tolist(), strict=True)
    ]


def kernel_cells(kernels: np.ndarray, scale: float, names: list[list[str]]) -> list[list[KernelCell]]:
    """Each kernel of a (rows, columns, h, w) block drawn on one scale; `names[i][j]` says which units it joins."""
    _, _, height, width = kernels.shape
    side = max(height, width)
    size = max(1, round(CELL_PX * width / side)), max(1, round(CELL_PX * height / side))
    colours = heatmap(kernels, scale)  # the whole block at once
    return [
        [
            KernelCell(_uri(colour), *size, f"{name}: {text}")
            for colour, name, text in zip(colour_line, name_line, text_line, strict=True)
        ]
        for colour_line, name_line, text_line in zip(colours, names, _descriptions(kernels), strict=True)
    ]


def _uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode("ascii")
