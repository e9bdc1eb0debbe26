"""A scatter plot of units as small thumbnails: each a link to its page, titled for hover, ringed in the colour of a
score (with the colour scale as a legend), on axes with tick labels and titles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from store.figures.axes import (
    VIRIDIS,
    ColourScale,
    Frame,
    Scale,
    document,
    element,
    nice_domain,
    num,
    safe_id,
    text,
    tooltip,
    x_axis,
    y_axis,
    zero_line,
)

UNSCORED = "#a8a29e"  # the ring of a unit without the score
PLAIN_RING = "#57534e"  # the ring when the plot has no colour scale
LEGEND_HEIGHT = 40


@dataclass(frozen=True)
class SheetCell:
    """A thumbnail cut from a sheet of them (app.weights.sheet): the sheet's URL and size, the cell's corner and side,
    all in the sheet's pixels. Hundreds of points draw from one file."""

    url: str
    sheet_width: int
    sheet_height: int
    x: int
    y: int
    side: int


@dataclass(frozen=True)
class Point:
    """One unit in the scatter: its position, hover text, page, thumbnail (a URL, or a cell of a sheet) and score
    (None: not measured)."""

    x: float
    y: float
    title: str
    href: str | None = None
    image: str | SheetCell | None = None
    value: float | None = None


def _thumbnail(image: str | SheetCell, x: float, y: float, side: int) -> str:
    """The picture in a `side`-pixel square at (x, y): a whole file, or one cell of a sheet seen through a nested
    <svg> whose viewBox is the cell (an inner <svg> clips to its viewport)."""
    if isinstance(image, str):
        return element("image", href=image, x=num(x), y=num(y), width=side, height=side)
    cell = element("image", href=image.url, width=image.sheet_width, height=image.sheet_height)
    box = f"{image.x} {image.y} {image.side} {image.side}"
    return element("svg", cell, x=num(x), y=num(y), width=side, height=side, viewBox=box)


def thumb_size(count: int) -> int:
    """Thumbnail side in pixels: large for a few units, small enough that a thousand still leave gaps."""
    return 32 if count <= 32 else 24 if count <= 128 else 18 if count <= 512 else 14


def _point(p: Point, x: float, y: float, side: int, ring: str) -> str:
    half = side / 2
    if p.image:
        shape = element(
            "rect", x=num(x - half - 1.5), y=num(y - half - 1.5), width=side + 3, height=side + 3, fill="#fff"
        )
        shape += _thumbnail(p.image, x - half, y - half, side)
        shape += element(
            "rect",
            x=num(x - half - 1.5),
            y=num(y - half - 1.5),
            width=side + 3,
            height=side + 3,
            fill="none",
            stroke=ring,
            stroke_width=3,
        )
    else:
        shape = element("circle", cx=num(x), cy=num(y), r=num(half / 2 + 2), fill=ring, stroke="#fff")
    body = tooltip(p.title) + element("g", shape, class_="mark")
    return element("a", body, href=p.href, class_="point") if p.href else element("g", body, class_="point")


def _legend(frame: Frame, colours: ColourScale, points: Sequence[Point], key: str) -> str:
    """The colour scale as a gradient bar with its ends labelled, and a swatch for units without the score."""
    gradient_id = f"{key}-scale"
    last = len(VIRIDIS) - 1
    stops = "".join(
        element("stop", offset=f"{i / last:.2f}", stop_color="#" + "".join(f"{c:02x}" for c in rgb))
        for i, rgb in enumerate(VIRIDIS)
    )
    x, y, width = frame.x_start, 8.0, 120
    parts = [
        element("defs", element("linearGradient", stops, id=gradient_id)),
        text(x, y + 10, colours.title, class_="legend-title"),
        text(x, y + 30, f"{colours.low:g}", class_="tick"),
        element("rect", x=num(x + 22), y=num(y + 20), width=width, height=12, fill=f"url(#{gradient_id})"),
        text(x + 28 + width, y + 30, f"{colours.high:g}", class_="tick"),
    ]
    if any(p.value is None for p in points):
        at = x + width + 64
        parts.append(element("rect", x=num(at), y=num(y + 20), width=12, height=12, fill=UNSCORED))
        parts.append(text(at + 17, y + 30, "not measured", class_="tick"))
    return element("g", "".join(parts), class_="legend")


def scatter_svg(
    points: Sequence[Point],
    *,
    label: str,
    x_title: str,
    y_title: str,
    colours: ColourScale | None = None,
    size: int = 480,
) -> Markup:
    """Points as linked thumbnails on x/y axes; with `colours`, each ring shows the point's value, and a legend the
    scale. `label` names the plot (screen readers, hover, and the ids inside it)."""
    top = LEGEND_HEIGHT + 8 if colours else 16
    frame = Frame(size, size + top - 16, top=top)
    side = thumb_size(len(points))
    xs, ys = [p.x for p in points] or [0.0], [p.y for p in points] or [0.0]
    x_low, x_high, x_ticks = nice_domain(min(xs), max(xs))
    y_low, y_high, y_ticks = nice_domain(min(ys), max(ys))
    inset = side / 2 + 2  # thumbnails at the domain's ends stay inside the axes
    sx = Scale(x_low, x_high, frame.x_start + inset, frame.x_end - inset)
    sy = Scale(y_low, y_high, frame.y_bottom - inset, frame.y_top + inset)
    rings = [(colours.colour(p.value) if p.value is not None else UNSCORED) if colours else PLAIN_RING for p in points]
    marks = "".join(_point(p, sx(p.x), sy(p.y), side, ring) for p, ring in zip(points, rings, strict=True))
    body = [
        y_axis(frame, sy, y_ticks, y_title),
        x_axis(frame, sx, x_ticks, x_title),
        zero_line(frame, sx, vertical=True),
        zero_line(frame, sy, vertical=False),
        element("g", marks, class_="points"),
    ]
    if colours:
        body.insert(0, _legend(frame, colours, points, safe_id(label)))
    return document(frame, "".join(body), label=label, kind="scatter")
