"""What every plot shares: the frame it is drawn in, linear scales, round-numbered ticks, axes and the SVG wrapper.

Every helper returns SVG source as a string whose text and attribute values went through `markupsafe.escape`, so a
caller can join them and wrap the result with `document` (the one place that marks it safe).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

AXIS_COLOUR = "#78716c"
GRID_COLOUR = "#e7e5e4"
TEXT_COLOUR = "#1c1917"
FONT_SIZE = 11
# Viridis at five stops: perceptually even, readable in grayscale and by most colour-blind readers.
VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


@dataclass(frozen=True)
class Frame:
    """A plot's size in SVG pixels and the margins around its plotting area (where axes and legends go)."""

    width: int
    height: int
    left: int = 56
    right: int = 16
    top: int = 16
    bottom: int = 48

    @property
    def x_start(self) -> float:
        """The plotting area's left edge."""
        return float(self.left)

    @property
    def x_end(self) -> float:
        """The plotting area's right edge."""
        return float(self.width - self.right)

    @property
    def y_top(self) -> float:
        """The plotting area's top edge."""
        return float(self.top)

    @property
    def y_bottom(self) -> float:
        """The plotting area's bottom edge (where the x axis runs)."""
        return float(self.height - self.bottom)


@dataclass(frozen=True)
class Scale:
    """A linear map from data values [low, high] to pixels [start, end] (end < start for a y axis)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """The pixel position of `value`."""
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


@dataclass(frozen=True)
class ColourScale:
    """How scores become ring colours: viridis from `low` (dark purple) to `high` (yellow)."""

    title: str
    low: float = 0.0
    high: float = 1.0

    def colour(self, value: float) -> str:
        """The colour of `value` (clipped to the scale) as #rrggbb."""
        t = (value - self.low) / ((self.high - self.low) or 1.0)
        t = min(1.0, max(0.0, t)) * (len(VIRIDIS) - 1)
        i = min(int(t), len(VIRIDIS) - 2)
        a, b = VIRIDIS[i], VIRIDIS[i + 1]
        return "#" + "".join(f"{round(x + (y - x) * (t - i)):02x}" for x, y in zip(a, b, strict=True))


def nice_step(span: float, count: int) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over `span`."""
    raw = span / max(count, 1) if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)


def nice_domain(low: float, high: float, count: int = 5) -> tuple[float, float, list[float]]:
    """[low, high] widened to whole tick steps, and the ticks from one end to the other."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high - low < 1e-12:  # one value: a unit-wide domain around it
        low, high = low - 0.5, high + 0.5
    step = nice_step(high - low, count)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    ticks = [round(i * step, 12) for i in range(first, last + 1)]
    return ticks[0], ticks[-1], ticks


def tick_text(value: float, ticks: Sequence[float], percent: bool = False) -> str:
    """A tick label with as many decimals as the step needs ('0.25', '−1', '40%'); minus signs are typographic."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    if percent:
        value, step = value * 100, step * 100
    decimals = next((d for d in range(12) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 12)
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−") + ("%" if percent else "")


def num(value: float) -> str:
    """A coordinate for an SVG attribute: one decimal is finer than a pixel."""
    return f"{value:.1f}"


_NAMES: dict[str, str] = {}  # keyword → attribute name, worked out once per keyword
_SPECIAL = re.compile(r"[&<>\"']")  # what `escape` replaces: most values (numbers, colours) have none


def _name(keyword: str) -> str:
    name = _NAMES.get(keyword)
    if name is None:
        name = _NAMES[keyword] = keyword.removesuffix("_").replace("_", "-")
    return name


def attributes(**values: object) -> str:
    """` name="value"` pairs, escaped; a trailing underscore is dropped (`class_`) and `_` becomes `-` otherwise."""
    parts = []
    for keyword, value in values.items():
        if value is None:
            continue
        shown = str(value)
        if _SPECIAL.search(shown):
            shown = escape(shown)
        parts.append(f' {_name(keyword)}="{shown}"')
    return "".join(parts)


def element(tag: str, content: str = "", **values: object) -> str:
    """`<tag …>content</tag>`, or `<tag …/>` without content; `content` must already be escaped SVG."""
    return f"<{tag}{attributes(**values)}>{content}</{tag}>" if content else f"<{tag}{attributes(**values)}/>"


def text(x: float, y: float, content: str, **values: object) -> str:
    """A text label at (x, y), its content escaped."""
    return element("text", str(escape(content)), x=num(x), y=num(y), **values)


def tooltip(content: str) -> str:
    """An SVG `<title>`: the text a browser shows on hover, escaped."""
    return f"<title>{escape(content)}</title>"


def x_axis(frame: Frame, scale: Scale, ticks: Sequence[float], title: str, *, labels: Sequence[str] = ()) -> str:
    """The x axis along the frame's bottom: its line, tick marks, tick labels (given, or the values) and title."""
    y = frame.y_bottom
    parts = [element("line", x1=num(frame.x_start), y1=num(y), x2=num(frame.x_end), y2=num(y), stroke=AXIS_COLOUR)]
    for i, tick in enumerate(ticks):
        x = scale(tick)
        parts.append(element("line", x1=num(x), y1=num(y), x2=num(x), y2=num(y + 4), stroke=AXIS_COLOUR))
        label = labels[i] if labels else tick_text(tick, ticks)
        if label:
            parts.append(text(x, y + 15, label, text_anchor="middle", class_="tick"))
    middle = (frame.x_start + frame.x_end) / 2
    parts.append(text(middle, frame.height - 8, title, text_anchor="middle", class_="axis-title"))
    return element("g", "".join(parts), class_="axis x-axis")


def y_axis(frame: Frame, scale: Scale, ticks: Sequence[float], title: str, *, percent: bool = False) -> str:
    """The y axis along the frame's left: its line, tick marks, tick labels, light grid lines and a rotated title."""
    x = frame.x_start
    parts = [element("line", x1=num(x), y1=num(frame.y_top), x2=num(x), y2=num(frame.y_bottom), stroke=AXIS_COLOUR)]
    for tick in ticks:
        y = scale(tick)
        parts.append(element("line", x1=num(x), y1=num(y), x2=num(frame.x_end), y2=num(y), stroke=GRID_COLOUR))
        parts.append(element("line", x1=num(x - 4), y1=num(y), x2=num(x), y2=num(y), stroke=AXIS_COLOUR))
        parts.append(text(x - 7, y + 4, tick_text(tick, ticks, percent), text_anchor="end", class_="tick"))
    middle = (frame.y_top + frame.y_bottom) / 2
    rotated = f"rotate(-90 {num(14)} {num(middle)})"
    parts.append(text(14, middle, title, text_anchor="middle", transform=rotated, class_="axis-title"))
    return element("g", "".join(parts), class_="axis y-axis")


def zero_line(frame: Frame, scale: Scale, *, vertical: bool) -> str:
    """A dashed line at data value 0 across the plotting area (drawn only when 0 lies inside the scale)."""
    if not min(scale.low, scale.high) < 0 < max(scale.low, scale.high):
        return ""
    at = num(scale(0.0))
    if vertical:
        ends = {"x1": at, "y1": num(frame.y_top), "x2": at, "y2": num(frame.y_bottom)}
    else:
        ends = {"x1": num(frame.x_start), "y1": at, "x2": num(frame.x_end), "y2": at}
    return element("line", **ends, stroke=AXIS_COLOUR, stroke_dasharray="3 3", class_="zero")


def safe_id(text: str) -> str:
    """An id fragment from any text (lowercase letters, digits and hyphens), for gradients and labels."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "plot"


def document(frame: Frame, body: str, *, label: str, kind: str) -> Markup:
    """The SVG element: scalable (viewBox; CSS may shrink it), labelled for screen readers, titled for hover."""
    head = attributes(
        xmlns="http://www.w3.org/2000/svg",
        class_=f"plot plot-{kind}",
        width=frame.width,
        height=frame.height,
        viewBox=f"0 0 {frame.width} {frame.height}",
        role="img",
        aria_label=label,
        font_family="system-ui, sans-serif",
        font_size=FONT_SIZE,
        fill=TEXT_COLOUR,
    )
    return Markup(f"<svg{head}>{tooltip(label)}{body}</svg>")
