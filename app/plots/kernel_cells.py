"""Kernels as tiny heatmap images for a circuit's grid: red excites, blue inhibits, white at 0, on a shared scale.

The scale's end (full colour) is a robust maximum, the ROBUST_PERCENTILE-th percentile of |weight| over the kernels it
covers, and larger weights are clipped to full colour: with the plain maximum, a few large weights left every other
kernel of a layer pair nearly white.

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
from markupsafe import Markup
from PIL import Image

from store.figures.axes import AXIS_COLOUR, TEXT_COLOUR, Frame, document, element, num, safe_id
from store.figures.kernels import NEGATIVE, POSITIVE

CELL_PX = 56  # the longer side of a drawn kernel, in CSS pixels: a 5 × 5 kernel's weights are 11 px squares
ROBUST_PERCENTILE = 99.0  # of |weight|: the scale's end, beyond which colours clip
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


def robust_end(values: np.ndarray) -> float:
    """The colour scale's end for `values`: the ROBUST_PERCENTILE-th percentile of their |value| (their largest
    |value| when that percentile is 0, 0 for none or all zero)."""
    magnitudes = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    if not magnitudes.size:
        return 0.0
    return float(np.percentile(magnitudes, ROBUST_PERCENTILE)) or float(magnitudes.max())


def heatmap(kernel: np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """(…, 3) uint8 colours: white at 0, full red at +scale and beyond, full blue at −scale and below (as rgba over
    white); `scale` broadcasts against the values (one per row of a block: shape (rows, 1, 1, 1)); a 0 scale is 1."""
    values = np.asarray(kernel, dtype=np.float64)
    ends = np.asarray(scale, dtype=np.float64)
    share = np.clip(np.abs(values) / np.where(ends > 0, ends, 1.0), 0.0, 1.0)[..., None]
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


def kernel_cells(kernels: np.ndarray, scale: float | np.ndarray, names: list[list[str]]) -> list[list[KernelCell]]:
    """Each kernel of a (rows, columns, h, w) block drawn on `scale`: one for the block, or one per row (shape
    (rows,)); `names[i][j]` says which units it joins."""
    rows, _, height, width = kernels.shape
    side = max(height, width)
    size = max(1, round(CELL_PX * width / side)), max(1, round(CELL_PX * height / side))
    ends = np.asarray(scale, dtype=np.float64)
    colours = heatmap(kernels, ends.reshape(rows, 1, 1, 1) if ends.ndim else ends)  # the whole block at once
    return [
        [
            KernelCell(_uri(colour), *size, f"{name}: {text}")
            for colour, name, text in zip(colour_line, name_line, text_line, strict=True)
        ]
        for colour_line, name_line, text_line in zip(colours, names, _descriptions(kernels), strict=True)
    ]


def legend_svg(key: str, width: int = 240, height: int = 12) -> Markup:
    """The colour scale as an SVG strip from −end (full blue, left) through 0 (white, marked by a line in the middle)
    to +end (full red, right); `key` makes its gradient's id unique on the page. Its stops are `heatmap`'s colours,
    and SVG interpolates between them linearly in sRGB, as `heatmap` does: the strip is the cells' colours."""
    colours = [f"rgb({r},{g},{b})" for r, g, b in heatmap(np.array([-1.0, 0.0, 1.0]), 1.0).tolist()]
    stops = "".join(element("stop", offset=at, stop_color=c) for at, c in zip(("0", "0.5", "1"), colours, strict=True))
    gradient = f"colour-scale-{safe_id(key)}"
    frame, middle = Frame(width, height + 6), num(width / 2)
    body = [
        element("defs", element("linearGradient", stops, id=gradient)),
        element("rect", x=0.5, y=3.5, width=width - 1, height=height - 1, fill=f"url(#{gradient})", stroke=AXIS_COLOUR),
        element("line", x1=middle, y1=0, x2=middle, y2=frame.height, stroke=TEXT_COLOUR, class_="zero"),
    ]
    return document(frame, "".join(body), label="colour scale: blue below 0, white at 0, red above 0", kind="legend")


def _uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode("ascii")
