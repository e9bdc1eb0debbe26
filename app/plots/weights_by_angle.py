"""The Circuits articles' figure of equivariant weights: the mean summed weight between two layers' curve units by the
difference of their preferred orientations (Δθ from −180° to 180° on x), one bar per bin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from store.figures.axes import Frame, Scale, document, element, nice_domain, num, tooltip, x_axis, y_axis, zero_line

BAR_COLOUR = "#0f766e"


def weights_by_angle_svg(
    bins: Sequence[Mapping[str, Any]], *, label: str, width: int = 480, height: int = 260
) -> Markup:
    """Bars of each bin's mean weight ({from, to, mean, count}; an empty bin draws none), a dashed line at 0."""
    frame = Frame(width, height)
    means = [b["mean"] for b in bins if b["mean"] is not None]
    low, high, ticks = nice_domain(min([*means, 0.0]), max([*means, 0.0]) or 1.0, 4)
    sx, sy = Scale(-180.0, 180.0, frame.x_start, frame.x_end), Scale(low, high, frame.y_bottom, frame.y_top)
    bars = []
    for b in bins:
        if b["mean"] is None:
            continue
        left, right, top, bottom = sx(b["from"]), sx(b["to"]), sy(max(b["mean"], 0.0)), sy(min(b["mean"], 0.0))
        hover = tooltip(f"Δθ {b['from']:.0f}° to {b['to']:.0f}°: mean weight {b['mean']:.4g} over {b['count']} pairs")
        bars.append(
            element(
                "rect",
                hover,
                x=num(left + 1),
                y=num(top),
                width=num(max(right - left - 2, 1.0)),
                height=num(max(bottom - top, 0.5)),
                fill=BAR_COLOUR,
                class_="bar",
            )
        )
    body = [
        y_axis(frame, sy, ticks, "mean summed weight"),
        element("g", "".join(bars), class_="bars"),
        zero_line(frame, sy, vertical=False),
        x_axis(frame, sx, [-180.0, -90.0, 0.0, 90.0, 180.0], "Δθ: later − earlier preferred orientation (°)"),
    ]
    return document(frame, "".join(body), label=label, kind="bars")
