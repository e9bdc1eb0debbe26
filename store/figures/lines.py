"""A small line chart: one or more series over shared x positions, with axes, tick labels, titles, a legend, and each
point's exact value on hover (points may carry their own colours, e.g. the hue they were measured at)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from store.figures.axes import (
    Frame,
    Scale,
    document,
    element,
    nice_domain,
    num,
    text,
    tooltip,
    x_axis,
    y_axis,
    zero_line,
)
from store.figures.polar import SERIES_COLOURS, Series


def _legend(frame: Frame, names: Sequence[str]) -> str:
    parts, x = [], frame.x_start + 4
    for i, name in enumerate(names):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        parts.append(element("line", x1=num(x), y1=10, x2=num(x + 16), y2=10, stroke=colour, stroke_width=2))
        parts.append(text(x + 20, 14, name))
        x += 32 + 6.5 * len(name)
    return element("g", "".join(parts), class_="legend")


def line_chart_svg(
    xs: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    x_title: str,
    y_title: str,
    point_colours: Sequence[str] = (),
    width: int = 360,
    height: int = 220,
) -> Markup:
    """Each series' values at the evenly spaced x positions labelled `xs`; `point_colours` fill the first series'
    points. `label` names the plot for screen readers and hover."""
    frame = Frame(width, height, top=28)
    flat = [v for one in series for v in one.values] or [0.0]
    low, high, ticks = nice_domain(min(0.0, min(flat)), max(flat), 4)
    sy = Scale(low, high, frame.y_bottom, frame.y_top)
    sx = Scale(0.0, max(len(xs) - 1, 1), frame.x_start + 8, frame.x_end - 8)
    every = next(n for n in range(1, len(xs) + 1) if len(xs) / n <= 8) if xs else 1
    shown = [name if i % every == 0 else "" for i, name in enumerate(xs)]
    parts = [y_axis(frame, sy, ticks, y_title), x_axis(frame, sx, list(range(len(xs))), x_title, labels=shown)]
    parts.append(zero_line(frame, sy, vertical=False))
    for s, one in enumerate(series):
        colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
        points = [(sx(i), sy(v)) for i, v in enumerate(one.values)]
        line = element("polyline", points=" ".join(f"{num(x)},{num(y)}" for x, y in points), fill="none", stroke=colour)
        dots = "".join(
            element(
                "circle",
                tooltip(f"{one.name}, {x_title} {name}: {v:.3g}"),
                cx=num(x),
                cy=num(y),
                r=3,
                fill=point_colours[i] if s == 0 and point_colours else colour,
            )
            for i, ((x, y), name, v) in enumerate(zip(points, xs, one.values, strict=True))
        )
        parts.append(element("g", line + dots, class_="series"))
    parts.append(_legend(frame, [one.name for one in series]))
    return document(frame, "".join(parts), label=label, kind="lines")
