"""Connection weights drawn for the unit page: spatial kernels as red/blue SVG grids on one shared scale, and
connections without spatial structure (1×1 convs, dense layers, kernels that are one value everywhere) as signed
bars, so that no page draws a fake kernel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

MAX_KERNEL_SIDE = 9  # larger kernels are unreadable at thumbnail size
POSITIVE, NEGATIVE = "220,38,38", "37,99,235"  # red excites, blue inhibits (the Circuits articles' colours)


def _values(kernel: Any) -> list[float] | None:
    """The kernel's values when it is a small rectangular 2D grid, else None."""
    if not isinstance(kernel, list) or not 0 < len(kernel) <= MAX_KERNEL_SIDE:
        return None
    if not all(isinstance(row, list) for row in kernel) or len({len(row) for row in kernel}) != 1:
        return None
    if not 0 < len(kernel[0]) <= MAX_KERNEL_SIDE:
        return None
    return [float(v) for row in kernel for v in row]


def is_spatial(kernel: Any) -> bool:
    """Whether the kernel has spatial structure to draw: a small 2D grid of more than one distinct value."""
    values = _values(kernel)
    return values is not None and len(values) > 1 and max(values) - min(values) > 1e-6 * max(map(abs, values))


def kernel_scale(kernels: Iterable[Any]) -> float:
    """The largest |value| among the spatial kernels: the one scale every kernel of a section is drawn on."""
    return max((abs(v) for k in kernels if is_spatial(k) for v in _values(k) or ()), default=0.0)


def _fill(value: float, scale: float) -> str:
    return f"rgba({POSITIVE if value >= 0 else NEGATIVE},{min(1.0, abs(value) / (scale or 1.0)):.2f})"


def kernel_svg(kernel: Any, scale: float | None = None, side: int = 64) -> Markup:
    """An SVG of a small 2D kernel about `side` px wide, each cell coloured on `scale` (default: its own max)."""
    values = _values(kernel)
    if values is None:
        return Markup("")
    rows, cols = len(kernel), len(kernel[0])
    cell = max(4, side // max(rows, cols))
    scale = scale or max(map(abs, values)) or 1.0
    cells = [
        f'<rect x="{x * cell}" y="{y * cell}" width="{cell}" height="{cell}" fill="{_fill(float(v), scale)}">'
        f"<title>{float(v):.3g}</title></rect>"
        for y, row in enumerate(kernel)
        for x, v in enumerate(row)
    ]
    w, h = cols * cell, rows * cell
    return Markup(
        f'<svg class="kernel" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="spatial kernel, {rows}×{cols}">{"".join(cells)}</svg>'
    )


def weight_bar(weight: float, scale: float, width: int = 64) -> Markup:
    """A signed bar for a connection without spatial structure: length |weight| / scale, red positive, blue negative."""
    length = max(1, round(width / 2 * min(1.0, abs(weight) / (scale or 1.0))))
    x = width // 2 if weight >= 0 else width // 2 - length
    colour = _fill(weight, abs(weight))  # full colour: the length carries the magnitude
    return Markup(
        f'<svg class="weight-bar" width="{width}" height="10" viewBox="0 0 {width} 10" role="img" '
        f'aria-label="weight {weight:.3g}"><line x1="{width // 2}" y1="0" x2="{width // 2}" y2="10" stroke="#999"/>'
        f'<rect x="{x}" y="2" width="{length}" height="6" fill="{colour}"><title>{weight:.3g}</title>'
        "</rect></svg>"
    )


def scale_legend(scale: float, width: int = 128) -> Markup:
    """The shared colour scale: a blue-to-red gradient from −scale to +scale, labelled."""
    steps = 16
    cell = width / steps
    cells = "".join(
        f'<rect x="{i * cell:.1f}" y="0" width="{cell + 0.5:.1f}" height="10" '
        f'fill="{_fill((2 * i / (steps - 1) - 1) * scale, scale)}"/>'
        for i in range(steps)
    )
    return Markup(
        f'<span class="scale-legend"><span class="neg">−{scale:.3g} inhibits</span>'
        f'<svg width="{width}" height="10" viewBox="0 0 {width} 10" role="img" '
        f'aria-label="from −{scale:.3g} (blue, inhibition) to +{scale:.3g} (red, excitation)">{cells}</svg>'
        f'<span class="pos">excites +{scale:.3g}</span></span>'
    )
