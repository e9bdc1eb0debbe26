"""The Circuits articles' figure of equivariant weights: the summed weight between two layers' oriented units by the
difference of their preferred orientations (Δθ from −180° to 180° on x): one bar per bin of their mean, and, when
given, one dot per pair of units (a circuit page's few pairs, each hoverable)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from store.figures.axes import Frame, Scale, document, element, nice_domain, num, tooltip, x_axis, y_axis, zero_line

BAR_COLOUR = "#0f766e"
DOT_COLOUR = "#1c1917"
Point = tuple[float, float, str]  # (Δθ, summed weight, which units it joins)


def weights_by_angle_svg(
    bins: Sequence[Mapping[str, Any]],
    *,
    label: str,
    points: Sequence[Point] = (),
    width: int = 480,
    height: int = 260,
) -> Markup:
    """Bars of each bin's mean weight ({from, to, mean, count}; an empty bin draws none), a dot per pair of `points`,
    a dashed line at 0."""
    frame = Frame(width, height)
    values = [b["mean"] for b in bins if b["mean"] is not None] + [weight for _, weight, _ in points]
    low, high, ticks = nice_domain(min([*values, 0.0]), max([*values, 0.0]) or 1.0, 4)
    sx, sy = Scale(-180.0, 180.0, frame.x_start, frame.x_end), Scale(low, high, frame.y_bottom, frame.y_top)
    title = "summed weight: each pair (dot), mean per bin (bar)" if points else "mean summed weight"
    body = [
        y_axis(frame, sy, ticks, title),
        element("g", "".join(_bar(b, sx, sy, bool(points)) for b in bins if b["mean"] is not None), class_="bars"),
        element("g", "".join(_dot(p, sx, sy) for p in points), class_="dots"),
        zero_line(frame, sy, vertical=False),
        x_axis(frame, sx, [-180.0, -90.0, 0.0, 90.0, 180.0], "Δθ: later − earlier preferred orientation (°)"),
    ]
    return document(frame, "".join(body), label=label, kind="bars")


def _bar(b: Mapping[str, Any], sx: Scale, sy: Scale, behind_dots: bool) -> str:
    left, right, top, bottom = sx(b["from"]), sx(b["to"]), sy(max(b["mean"], 0.0)), sy(min(b["mean"], 0.0))
    hover = tooltip(f"Δθ {b['from']:.0f}° to {b['to']:.0f}°: mean weight {b['mean']:.4g} over {b['count']} pairs")
    return element(
        "rect",
        hover,
        x=num(left + 1),
        y=num(top),
        width=num(max(right - left - 2, 1.0)),
        height=num(max(bottom - top, 0.5)),
        fill=BAR_COLOUR,
        fill_opacity="0.45" if behind_dots else None,  # the dots stay visible over their bin's mean
        class_="bar",
    )


def _dot(point: Point, sx: Scale, sy: Scale) -> str:
    delta, weight, name = point
    hover = tooltip(f"{name}: Δθ {delta:.0f}°, summed weight {weight:.4g}")
    return element("circle", hover, cx=num(sx(delta)), cy=num(sy(weight)), r="2.5", fill=DOT_COLOUR, class_="dot")
