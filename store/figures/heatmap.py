"""A heatmap of values over two factors (rows × columns), e.g. a tuning curve over radius × orientation: labelled axes,
a viridis colour scale with its ticks, and each cell's exact value on hover."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from store.figures.axes import (
    AXIS_COLOUR,
    ColourScale,
    Frame,
    document,
    element,
    nice_domain,
    num,
    text,
    tick_text,
    tooltip,
)

MAX_COLUMN_LABELS = 8  # more columns than this label every second (or third…) one
SCALE_WIDTH = 70  # px right of the cells: the colour bar and its ticks


def _label_every(count: int) -> int:
    return next(n for n in range(1, count + 1) if count / n <= MAX_COLUMN_LABELS)


def _colour_bar(frame: Frame, scale: ColourScale, ticks: Sequence[float]) -> str:
    x, steps = frame.x_end + 16, 24
    height = (frame.y_bottom - frame.y_top) / steps
    parts = []
    for i in range(steps):
        value = scale.low + (scale.high - scale.low) * (i + 0.5) / steps
        y = frame.y_bottom - height * (i + 1)
        parts.append(element("rect", x=num(x), y=num(y), width=12, height=num(height + 0.5), fill=scale.colour(value)))
    span = (scale.high - scale.low) or 1.0
    for tick in ticks:
        y = frame.y_bottom - (tick - scale.low) / span * (frame.y_bottom - frame.y_top)
        parts.append(element("line", x1=num(x + 12), y1=num(y), x2=num(x + 16), y2=num(y), stroke=AXIS_COLOUR))
        parts.append(text(x + 19, y + 4, tick_text(tick, ticks), class_="tick"))
    parts.append(text(x, frame.y_top - 6, scale.title, class_="axis-title"))
    return element("g", "".join(parts), class_="legend colour-scale")


def heatmap_svg(
    values: Sequence[Sequence[float]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    label: str,
    row_title: str,
    column_title: str,
    value_title: str,
    width: int = 520,
    row_height: int = 28,
) -> Markup:
    """`values[r][c]` as cells coloured on one viridis scale, `rows` labelled down the left (first at the top) and
    `columns` along the bottom; `label` names the plot for screen readers and hover."""
    frame = Frame(width, 24 + row_height * len(rows) + 48, left=64, right=SCALE_WIDTH, top=24)
    flat = [v for row in values for v in row] or [0.0]
    low, high, ticks = nice_domain(min(flat), max(flat), 4)
    scale = ColourScale(value_title, low, high)
    cell_w = (frame.x_end - frame.x_start) / max(len(columns), 1)
    parts = []
    for r, (name, row) in enumerate(zip(rows, values, strict=True)):
        y = frame.y_top + r * row_height
        parts.append(text(frame.x_start - 6, y + row_height / 2 + 4, name, text_anchor="end", class_="tick"))
        for c, (column, value) in enumerate(zip(columns, row, strict=True)):
            tip = tooltip(f"{row_title} {name}, {column_title} {column}: {value:.3g}")
            x = frame.x_start + c * cell_w
            cell = element("rect", tip, x=num(x), y=num(y), width=num(cell_w + 0.3), height=row_height)
            parts.append(element("g", cell, fill=scale.colour(value), class_="cell"))
    every = _label_every(len(columns))
    for c, column in enumerate(columns):
        if c % every == 0:
            x = frame.x_start + (c + 0.5) * cell_w
            parts.append(text(x, frame.y_bottom + 15, column, text_anchor="middle", class_="tick"))
    parts.append(text((frame.x_start + frame.x_end) / 2, frame.height - 8, column_title, text_anchor="middle"))
    rotated = f"rotate(-90 {num(14)} {num((frame.y_top + frame.y_bottom) / 2)})"
    middle = (frame.y_top + frame.y_bottom) / 2
    parts.append(text(14, middle, row_title, text_anchor="middle", transform=rotated, class_="axis-title"))
    parts.append(_colour_bar(frame, scale, ticks))
    return document(frame, "".join(parts), label=label, kind="heatmap")
