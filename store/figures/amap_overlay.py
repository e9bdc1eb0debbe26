"""An example's activation map over its crop as an SVG heatmap laid over the crop image.

The SVG's viewBox is the crop image's own size, so it letterboxes exactly as the `<img>` does (`object-fit:
contain`) and the cells, stretched over the crop, sit on it. Warm cells are positive, cool ones negative, each
as opaque as its value's share of the unit's `scale` (its largest peak magnitude over the dataset), so one unit's
examples read on one scale: the top ones glow, the least active ones barely show.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from store.figures.axes import attributes, element, num

POSITIVE = "#e4572e"
NEGATIVE = "#2e86e4"
MAX_OPACITY = 0.75  # the crop stays visible under the strongest cell


def amap_svg(amap: Sequence[Sequence[float]] | None, scale: float | None, width: int = 1, height: int = 1) -> Markup:
    """The overlay of a `width`×`height` crop, or nothing when there is no map (linear layers, older stores)."""
    if not amap or not amap[0]:
        return Markup("")
    rows, cols = len(amap), len(amap[0])
    top = scale or max((abs(v) for row in amap for v in row), default=0.0) or 1.0
    cells = [
        _cell(c * width / cols, r * height / rows, width / cols, height / rows, value, top)
        for r, row in enumerate(amap)
        for c, value in enumerate(row)
        if abs(value) > 1e-3 * top
    ]
    head = attributes(
        xmlns="http://www.w3.org/2000/svg",
        class_="amap",
        viewBox=f"0 0 {width} {height}",
        aria_hidden="true",
        focusable="false",
    )
    return Markup(f"<svg{head}>{''.join(cells)}</svg>")


def _cell(x: float, y: float, width: float, height: float, value: float, scale: float) -> str:
    opacity = min(abs(value) / scale, 1.0) * MAX_OPACITY
    colour = POSITIVE if value > 0 else NEGATIVE
    box = {"x": num(x), "y": num(y), "width": num(width), "height": num(height)}
    return element("rect", **box, fill=colour, fill_opacity=f"{opacity:.2f}")
