"""A polar plot of responses by angle (a tuning curve): one closed line per series, rings with their values, angle
labels every 45°, an optional marked angle (the preferred orientation) and a legend; each point's value on hover."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from store.figures.axes import (
    GRID_COLOUR,
    Frame,
    document,
    element,
    nice_domain,
    num,
    text,
    tick_text,
    tooltip,
)

SERIES_COLOURS = ("#0f766e", "#c2410c", "#7c3aed", "#2563eb")
MARK_COLOUR = "#dc2626"
LEGEND_HEIGHT = 18  # per legend row
RING_LABEL_ANGLE = 22.5  # ring values are written along this ray, between the 0° and 45° labels


@dataclass(frozen=True)
class Series:
    """One closed curve: its name (in the legend) and its value at each of the plot's angles."""

    name: str
    values: Sequence[float]


def _point(cx: float, cy: float, radius: float, degrees: float) -> tuple[float, float]:
    """Counter-clockwise from pointing right, as the stimuli's angles are (SVG's y points down)."""
    a = math.radians(degrees)
    return cx + radius * math.cos(a), cy - radius * math.sin(a)


def _rings(cx: float, cy: float, outer: float, ticks: Sequence[float], high: float) -> str:
    parts = []
    for tick in ticks[1:]:
        r = outer * tick / high
        parts.append(element("circle", cx=num(cx), cy=num(cy), r=num(r), fill="none", stroke=GRID_COLOUR))
        x, y = _point(cx, cy, r, RING_LABEL_ANGLE)
        parts.append(text(x + 2, y - 2, tick_text(tick, ticks), class_="tick"))
    for degrees in range(0, 360, 45):
        x, y = _point(cx, cy, outer, degrees)
        parts.append(element("line", x1=num(cx), y1=num(cy), x2=num(x), y2=num(y), stroke=GRID_COLOUR))
        lx, ly = _point(cx, cy, outer + 14, degrees)
        parts.append(text(lx, ly + 4, f"{degrees}°", text_anchor="middle", class_="tick"))
    return element("g", "".join(parts), class_="axis polar-grid")


def _series(
    cx: float, cy: float, outer: float, high: float, angles: Sequence[float], series: Series, colour: str
) -> str:
    points = [_point(cx, cy, outer * max(v, 0.0) / high, a) for a, v in zip(angles, series.values, strict=True)]
    path = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    dots = "".join(
        element("circle", tooltip(f"{series.name} at {a:g}°: {v:.3g}"), cx=num(x), cy=num(y), r=2.5, fill=colour)
        for (x, y), a, v in zip(points, angles, series.values, strict=True)
    )
    line = element("polygon", points=path, fill="none", stroke=colour, stroke_width=1.5)
    return element("g", line + dots, class_="series")


def _legend(frame: Frame, names: Sequence[str], mark_title: str | None) -> str:
    parts, y = [], frame.height - LEGEND_HEIGHT * (len(names) + (1 if mark_title else 0)) + 4
    for i, name in enumerate(names):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        parts.append(element("line", x1=8, y1=num(y + 6), x2=26, y2=num(y + 6), stroke=colour, stroke_width=2))
        parts.append(text(32, y + 10, name))
        y += LEGEND_HEIGHT
    if mark_title:
        parts.append(
            element("line", x1=8, y1=num(y + 6), x2=26, y2=num(y + 6), stroke=MARK_COLOUR, stroke_dasharray="4 2")
        )
        parts.append(text(32, y + 10, mark_title))
    return element("g", "".join(parts), class_="legend")


def polar_svg(
    angles: Sequence[float],
    series: Sequence[Series],
    *,
    label: str,
    value_title: str,
    mark: float | None = None,
    mark_title: str | None = None,
    size: int = 300,
) -> Markup:
    """The series (values ≥ 0 drawn outwards from the centre; negatives at the centre) around `angles` in degrees,
    rings labelled with `value_title`'s values, and a dashed radius at `mark` degrees titled `mark_title`."""
    rows = len(series) + (1 if mark is not None else 0)
    frame = Frame(size, size + LEGEND_HEIGHT * rows + 8, left=0, right=0, top=0, bottom=0)
    cx, cy, outer = size / 2, size / 2, size / 2 - 30
    top = max([max(s.values, default=0.0) for s in series] + [0.0])
    _low, high, ticks = nice_domain(0.0, top if top > 0 else 1.0, 4)
    parts = [_rings(cx, cy, outer, ticks, high)]
    parts.append(text(4, 14, f"rings: {value_title}", class_="axis-title"))
    for i, one in enumerate(series):
        parts.append(_series(cx, cy, outer, high, angles, one, SERIES_COLOURS[i % len(SERIES_COLOURS)]))
    title = None
    if mark is not None:
        x, y = _point(cx, cy, outer, mark)
        title = f"{mark_title or 'marked'} {mark:.0f}°"
        line = element("line", tooltip(title), x1=num(cx), y1=num(cy), x2=num(x), y2=num(y))
        parts.append(element("g", line, class_="mark", stroke=MARK_COLOUR, stroke_width=2, stroke_dasharray="4 2"))
    parts.append(_legend(frame, [s.name for s in series], title))
    return document(frame, "".join(parts), label=label, kind="polar")
