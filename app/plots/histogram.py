"""Histograms as inline SVG: counts per bin drawn as bars (stacked when several series), with axes, ticks, axis
titles, a title and, for several series, a legend naming each colour.

Text goes through markupsafe's `escape` and numbers are formatted here, so no label can inject markup; colours are
`fill` presentation attributes (plus a `series-N` class for CSS), never inline `style` (the CSP forbids it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe–Ito: told apart by colour-blind readers too; series beyond these reuse them in turn.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
MAX_X_LABELS = 6  # bin edges labelled on the x axis (the others get a tick only)
Y_TICKS = 4  # about this many gridlines above zero
FONT = 11  # px, tick labels; titles are a little larger
LEGEND_WIDTH = 150  # px beside the plot when there is a legend
CHAR_WIDTH = 6.2  # px per character of legend text at FONT, to cut names that would not fit


@dataclass(frozen=True)
class Series:
    """One group's counts over the histogram's bins: drawn in its own colour, named in the legend."""

    name: str
    counts: Sequence[int]
    colour: int | None = None  # index into PALETTE (default: the series' position), to match another plot

    def index(self, position: int) -> int:
        """The series' colour index when drawn at `position` in its plot."""
        return (position if self.colour is None else self.colour) % len(PALETTE)

    def fill(self, position: int) -> str:
        """The series' colour when drawn at `position` in its plot."""
        return PALETTE[self.index(position)]


@dataclass(frozen=True)
class _Frame:
    """Where the plot area lies inside the SVG, and the scales from data to pixels."""

    left: float
    top: float
    width: float
    height: float
    low: float
    high: float
    y_max: int

    def x(self, value: float) -> float:
        """The pixel column of an x value."""
        return self.left + (value - self.low) / ((self.high - self.low) or 1.0) * self.width

    def y(self, count: float) -> float:
        """The pixel row of a count."""
        return self.top + self.height - count / self.y_max * self.height


def nice_step(maximum: float, ticks: int = Y_TICKS) -> int:
    """A whole step of 1, 2 or 5 × 10^k that reaches `maximum` in about `ticks` steps."""
    raw = max(maximum, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return max(1, int(step))


def number(value: float) -> str:
    """A tick label: at most 3 significant digits, no trailing zeros ('0.2', '1', '1.5e+03')."""
    return f"{value:.3g}"


def histogram_svg(
    edges: Sequence[float],
    series: Sequence[Series],
    *,
    title: str,
    x_title: str,
    y_title: str = "units",
    width: int = 360,
    height: int = 200,
) -> Markup:
    """An SVG histogram of `series` (stacked in order) over the bins between consecutive `edges`."""
    bins = len(edges) - 1
    if bins < 1 or any(len(s.counts) != bins for s in series):
        raise ValueError(f"a histogram needs one count per bin: {bins} bins, got {[len(s.counts) for s in series]}")
    legend = len(series) > 1
    totals = [sum(s.counts[i] for s in series) for i in range(bins)]
    step = nice_step(max(totals, default=0))
    y_max = step * max(1, math.ceil(max(totals, default=0) / step))
    frame = _Frame(46, 26, width - 58 - (LEGEND_WIDTH if legend else 0), height - 70, edges[0], edges[-1], y_max)
    parts = [
        f"<title>{escape(title)}</title>",
        _text(frame.left, 15, title, "plot-title", size=FONT + 1, weight="600"),
        *_y_axis(frame, step, y_title),
        *_bars(frame, edges, series),
        *_x_axis(frame, edges, x_title),
        *(_legend(frame, series) if legend else []),
    ]
    return Markup(
        f'<svg class="plot histogram" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" font-family="sans-serif" '
        f'font-size="{FONT}">{"".join(parts)}</svg>'
    )


def _text(x: float, y: float, text: str, cls: str, *, anchor: str = "start", **attrs: object) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(str(value))}"' for name, value in attrs.items())
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="currentColor"{extra}>'
        f"{escape(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, stroke: str = "#a8a29e") -> str:
    return f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'


def _y_axis(frame: _Frame, step: int, y_title: str) -> list[str]:
    """Gridlines with count labels from 0 to the top, the axis line and its title (rotated)."""
    parts = []
    for count in range(0, frame.y_max + 1, step):
        y = frame.y(count)
        parts.append(_line(frame.left, y, frame.left + frame.width, y, "grid", "#e7e5e4"))
        parts.append(_text(frame.left - 5, y + 4, str(count), "tick", anchor="end"))
    parts.append(_line(frame.left, frame.top, frame.left, frame.top + frame.height, "axis", "#78716c"))
    middle = frame.top + frame.height / 2
    parts.append(_text(12, middle, y_title, "axis-title", anchor="middle", transform=f"rotate(-90 12 {middle:.1f})"))
    return parts


def _x_axis(frame: _Frame, edges: Sequence[float], x_title: str) -> list[str]:
    """The axis line, a tick at every bin edge, labels on about MAX_X_LABELS of them, and the axis title."""
    bottom = frame.top + frame.height
    every = math.ceil(len(edges) / MAX_X_LABELS)
    parts = [_line(frame.left, bottom, frame.left + frame.width, bottom, "axis", "#78716c")]
    for i, edge in enumerate(edges):
        x = frame.x(edge)
        parts.append(_line(x, bottom, x, bottom + 4, "tick", "#78716c"))
        if i % every == 0 or i == len(edges) - 1:
            parts.append(_text(x, bottom + 16, number(edge), "tick", anchor="middle"))
    parts.append(_text(frame.left + frame.width / 2, bottom + 34, x_title, "axis-title", anchor="middle"))
    return parts


def _bars(frame: _Frame, edges: Sequence[float], series: Sequence[Series]) -> list[str]:
    """One rectangle per series and non-empty bin, stacked from the axis up, each with a tooltip."""
    parts = []
    for i in range(len(edges) - 1):
        left, right = frame.x(edges[i]), frame.x(edges[i + 1])
        bar = max(right - left - 1, 1.0)  # a pixel's gap between bins
        base = 0
        for k, s in enumerate(series):
            count = s.counts[i]
            if count <= 0:
                continue
            top, bottom = frame.y(base + count), frame.y(base)
            tip = f"{number(edges[i])}–{number(edges[i + 1])}: {count} unit{'' if count == 1 else 's'}"
            tip += f" ({s.name})" if len(series) > 1 else ""
            parts.append(
                f'<rect class="bar series-{s.index(k)}" x="{left + 0.5:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{bottom - top:.1f}" fill="{s.fill(k)}"><title>{escape(tip)}</title></rect>'
            )
            base += count
    return parts


def _legend(frame: _Frame, series: Sequence[Series]) -> list[str]:
    """A swatch and name per series, beside the plot, in stacking order (bottom of the stack first)."""
    x = frame.left + frame.width + 14
    fits = int((LEGEND_WIDTH - 20) / CHAR_WIDTH)
    parts = []
    for k, s in enumerate(series):
        y = frame.top + 4 + 16 * k
        name = s.name if len(s.name) <= fits else s.name[: fits - 1] + "…"
        parts.append(
            f'<rect class="swatch series-{s.index(k)}" x="{x:.1f}" y="{y:.1f}" width="10" height="10" '
            f'fill="{s.fill(k)}"><title>{escape(s.name)}</title></rect>'
        )
        parts.append(_text(x + 15, y + 9, name, "legend"))
    return parts
