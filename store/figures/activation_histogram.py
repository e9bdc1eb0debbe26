"""A unit's histogram of peak activations over the dataset as inline SVG: counts on a log scale (a few images at
the extremes stay visible beside thousands near zero), with the sampled quantiles marked as dashed lines.

Built from store.figures.axes, so text is escaped and colours are presentation attributes (the CSP forbids inline
style).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from store.figures.axes import (
    AXIS_COLOUR,
    GRID_COLOUR,
    Frame,
    Scale,
    element,
    nice_domain,
    num,
    text,
    tooltip,
    x_axis,
)
from store.figures.axes import document as svg_document
from store.records import ActivationStatsRecord

BAR_COLOUR = "#0072b2"
MARKER_COLOUR = "#d55e00"
FLOOR = 0.5  # the log axis starts below one image, so a bin holding a single image still shows a bar


def activation_histogram_svg(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    markers: Sequence[tuple[str, float]] = (),
    width: int = 420,
    height: int = 200,
    label: str = "Histogram of peak activations",
) -> Markup:
    """Bars of `counts` over `edges` (one more edge than counts), a log count axis, and `markers` (text, value)."""
    frame = Frame(width, height, left=52, top=24, bottom=40)
    low, high, ticks = nice_domain(edges[0], edges[-1], 5)
    x = Scale(low, high, frame.x_start, frame.x_end)
    top = 10 ** math.ceil(math.log10(max(max(counts, default=1), 1)))
    y = Scale(math.log10(FLOOR), math.log10(top), frame.y_bottom, frame.y_top)
    body = [
        _log_axis(frame, y, top),
        x_axis(frame, x, ticks, "peak activation (max over positions)"),
        *_bars(x, y, frame, edges, counts),
        *(_marker(x, frame, name, value, i) for i, (name, value) in enumerate(markers)),
    ]
    return svg_document(frame, "".join(body), label=label, kind="activation-histogram")


def _log_axis(frame: Frame, y: Scale, top: int) -> str:
    """Powers of ten up the left side with light grid lines, titled "images (log scale)"."""
    parts = [element("line", x1=num(frame.x_start), y1=num(frame.y_top), x2=num(frame.x_start), y2=num(frame.y_bottom))]
    for power in range(round(math.log10(top)) + 1):
        at = y(power)
        parts.append(
            element("line", x1=num(frame.x_start), y1=num(at), x2=num(frame.x_end), y2=num(at), stroke=GRID_COLOUR)
        )
        parts.append(text(frame.x_start - 6, at + 4, f"{10**power:,}", text_anchor="end", class_="tick"))
    middle = (frame.y_top + frame.y_bottom) / 2
    rotated = f"rotate(-90 {num(12)} {num(middle)})"
    parts.append(text(12, middle, "images (log scale)", text_anchor="middle", transform=rotated, class_="axis-title"))
    return element("g", "".join(parts), class_="axis y-axis", stroke=AXIS_COLOUR)


def _bars(x: Scale, y: Scale, frame: Frame, edges: Sequence[float], counts: Sequence[int]) -> list[str]:
    bars = []
    for left, right, count in zip(edges, edges[1:], counts, strict=False):
        if count <= 0:
            continue
        x0, x1, top = x(left), x(right), y(math.log10(count))
        tip = tooltip(f"{count:,} images with peak in [{left:.4g}, {right:.4g})")
        bars.append(
            element(
                "rect",
                tip,
                class_="bar",
                x=num(x0 + 0.5),
                y=num(top),
                width=num(max(x1 - x0 - 1, 0.5)),
                height=num(frame.y_bottom - top),
                fill=BAR_COLOUR,
            )
        )
    return bars


def _marker(x: Scale, frame: Frame, name: str, value: float, index: int) -> str:
    at = x(value)
    raised = 11 * (index % 2)  # neighbouring quantiles often lie close: their labels alternate in height
    line = element(
        "line",
        x1=num(at),
        y1=num(frame.y_top),
        x2=num(at),
        y2=num(frame.y_bottom),
        stroke=MARKER_COLOUR,
        stroke_dasharray="4 3",
    )
    label = text(at, frame.y_top - 3 - raised, name, text_anchor="middle", class_="marker-label", fill=MARKER_COLOUR)
    return element("g", line + label + tooltip(f"{name}: {value:.4g}"), class_="marker")


def unit_histogram(stats: ActivationStatsRecord, samples: Sequence[Any] = ()) -> Markup:
    """The histogram of a unit's activation statistics, marking its quantile samples ("99%" at their activation)."""
    markers = [(f"{s.quantile * 100:g}%", s.activation) for s in samples if s.kind == "quantile" and s.quantile]
    label = f"Histogram of the unit's peak activation over {stats.count:,} images (log count scale)"
    edges, counts = stats.histogram["edges"], stats.histogram["counts"]
    return activation_histogram_svg(edges, counts, markers=markers, label=label)
