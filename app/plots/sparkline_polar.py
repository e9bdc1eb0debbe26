"""A unit's orientation tuning curve as a small polar sparkline: response as distance from the centre, by angle.

Angles are degrees counter-clockwise from pointing right (store.scores ORIENTATION), so a curve's lobe points the way
its preferred stimulus points. Responses below zero count as 0 (as the orientation scores count them) and the
largest is the outer ring: the shape, not the scale, is what a row of sparklines compares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

from store.figures.axes import AXIS_COLOUR, GRID_COLOUR, Frame, document, element, num

SIZE = 64  # SVG pixels, square
PAD = 4  # between the outer ring and the edge
CURVE_COLOUR = "#b45309"
OVERLAY_COLOUR = "#0f766e"  # a second curve drawn over the first (a rebuilt unit's over the real one's)
PREFERRED_COLOUR = "#1c1917"


def point(cx: float, cy: float, radius: float, degrees: float) -> tuple[float, float]:
    """The SVG point at `radius` from (cx, cy) in the direction `degrees` (counter-clockwise from right)."""
    theta = math.radians(degrees)
    return cx + radius * math.cos(theta), cy - radius * math.sin(theta)


def closes(angles: Sequence[float]) -> bool:
    """Whether the sampled angles go round the circle: the step after the last one reaches the first again."""
    if len(angles) < 3:
        return False
    step = (angles[-1] - angles[0]) / (len(angles) - 1)
    return abs(angles[-1] + step - angles[0] - 360.0) < 1e-6 * max(1.0, abs(step))


def normalized(values: Sequence[float]) -> list[float]:
    """Responses as shares of the largest, those below zero (or not finite) as 0; all 0 when none is positive."""
    kept = [v if math.isfinite(v) and v > 0 else 0.0 for v in values]
    top = max(kept, default=0.0)
    return [v / top if top > 0 else 0.0 for v in kept]


def _outline(
    cx: float, cy: float, outer: float, angles: Sequence[float], values: Sequence[float], overlay: bool = False
) -> str:
    points = [point(cx, cy, outer * r, a) for a, r in zip(angles, normalized(values), strict=True)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{num(x)} {num(y)}" for i, (x, y) in enumerate(points))
    if overlay:  # a dashed outline, unfilled, over the first curve
        path += " Z" if closes(angles) else ""
        return element(
            "path",
            d=path,
            fill="none",
            stroke=OVERLAY_COLOUR,
            stroke_width="1.5",
            stroke_dasharray="3 2",
            class_="overlay",
        )
    if closes(angles):
        shape = {"d": path + " Z", "fill": CURVE_COLOUR, "fill_opacity": "0.25", "stroke_linejoin": "round"}
        return element("path", **shape, stroke=CURVE_COLOUR, stroke_width="1.5", class_="curve")
    return element("path", d=path, fill="none", stroke=CURVE_COLOUR, stroke_width="1.5", class_="curve")


def polar_sparkline(
    angles: Sequence[float],
    values: Sequence[float],
    *,
    label: str,
    preferred: float | None = None,
    size: int = SIZE,
    overlay: Sequence[float] | None = None,
) -> Markup:
    """The curve's SVG: a faint ring and cross for reference, the response outline, and a line at `preferred`;
    `overlay`, a second curve on the same angles, dashed over the first (each scaled to its own largest)."""
    if len(angles) != len(values):
        raise ValueError(f"a polar sparkline needs one value per angle: {len(angles)} angles, {len(values)} values")
    frame = Frame(size, size, left=0, right=0, top=0, bottom=0)
    c, outer = size / 2, size / 2 - PAD
    parts = [
        element("circle", cx=num(c), cy=num(c), r=num(outer), fill="none", stroke=GRID_COLOUR, class_="ring"),
        element("line", x1=num(PAD), y1=num(c), x2=num(size - PAD), y2=num(c), stroke=GRID_COLOUR),
        element("line", x1=num(c), y1=num(PAD), x2=num(c), y2=num(size - PAD), stroke=GRID_COLOUR),
    ]
    if angles and any(v > 0 for v in normalized(values)):
        parts.append(_outline(c, c, outer, angles, values))
    if overlay is not None and len(overlay) == len(angles) and any(v > 0 for v in normalized(overlay)):
        parts.append(_outline(c, c, outer, angles, overlay, overlay=True))
    if preferred is not None and math.isfinite(preferred):
        x, y = point(c, c, outer, preferred)
        ends = {"x1": num(c), "y1": num(c), "x2": num(x), "y2": num(y)}
        parts.append(element("line", **ends, stroke=PREFERRED_COLOUR, stroke_width="1.5", class_="preferred"))
    parts.append(element("circle", cx=num(c), cy=num(c), r="1.5", fill=AXIS_COLOUR))
    return document(frame, "".join(parts), label=label, kind="polar-sparkline")
