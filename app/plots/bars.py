"""A bar chart of shares (each bar a fraction of a whole, drawn as a percentage), optionally with their running total
as a line: axes with tick labels and titles, a legend, and each bar's exact value on hover."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from store.figures.axes import Frame, Scale, document, element, nice_domain, num, text, tooltip, x_axis, y_axis

BAR_COLOUR = "#0f766e"
LINE_COLOUR = "#c2410c"
MAX_X_LABELS = 20  # more bars than this label every second (or fifth…) one


def _label_every(count: int) -> int:
    return next(n for n in (1, 2, 5, 10, 20, 50, 100, count) if count / n <= MAX_X_LABELS)


def _legend(frame: Frame, bar_title: str, line_title: str | None) -> str:
    x, y = frame.x_start + 8, frame.y_top - 18
    parts = [element("rect", x=num(x), y=num(y), width=12, height=12, fill=BAR_COLOUR), text(x + 17, y + 10, bar_title)]
    if line_title:
        at = x + 30 + 7 * len(bar_title)
        parts.append(element("line", x1=num(at), y1=num(y + 6), x2=num(at + 18), y2=num(y + 6), stroke=LINE_COLOUR))
        parts.append(element("circle", cx=num(at + 9), cy=num(y + 6), r=3, fill=LINE_COLOUR))
        parts.append(text(at + 24, y + 10, line_title))
    return element("g", "".join(parts), class_="legend")


def share_bars_svg(
    shares: Sequence[float],
    *,
    label: str,
    x_title: str,
    y_title: str,
    bar_title: str,
    names: Sequence[str] = (),
    running: Sequence[float] = (),
    line_title: str | None = None,
    width: int = 480,
    height: int = 280,
) -> Markup:
    """Bars of `shares` (fractions) with x tick labels `names` (default 1, 2, …); `running` (the cumulative share at
    each bar, also fractions) is drawn as a line when given. `label` names the plot for screen readers and hover."""
    frame = Frame(width, height, top=36)
    names = list(names) or [str(i + 1) for i in range(len(shares))]
    top = max([*shares, *running, 0.0])
    low, high, ticks = nice_domain(0.0, top if top > 0 else 1.0, 4)
    sy = Scale(low, high, frame.y_bottom, frame.y_top)
    band = (frame.x_end - frame.x_start) / max(len(shares), 1)
    centres = [frame.x_start + band * (i + 0.5) for i in range(len(shares))]
    bars = []
    for name, share, x in zip(names, shares, centres, strict=True):
        y = sy(share)
        bar = element(
            "rect",
            tooltip(f"{name}: {share:.1%} {bar_title}"),
            x=num(x - band * 0.4),
            y=num(y),
            width=num(band * 0.8),
            height=num(max(frame.y_bottom - y, 0.0)),
            fill=BAR_COLOUR,
            class_="bar",
        )
        bars.append(bar)
    every = _label_every(len(shares))
    labels = [n if i % every == 0 else "" for i, n in enumerate(names)]
    sx = Scale(0.0, float(len(shares)), frame.x_start, frame.x_end)
    body = [
        y_axis(frame, sy, ticks, y_title, percent=True),
        element("g", "".join(bars), class_="bars"),
        x_axis(frame, sx, [i + 0.5 for i in range(len(shares))], x_title, labels=labels),
        _legend(frame, bar_title, line_title if running else None),
    ]
    if running:
        path = " ".join(f"{num(x)},{num(sy(v))}" for x, v in zip(centres, running, strict=True))
        dots = "".join(
            element("circle", tooltip(f"{name}: {v:.1%} {line_title or ''}".strip()), cx=num(x), cy=num(sy(v)), r=3)
            for name, x, v in zip(names, centres, running, strict=True)
        )
        line = element("polyline", points=path, fill="none", stroke=LINE_COLOUR, stroke_width=1.5)
        body.append(element("g", line + dots, class_="running", fill=LINE_COLOUR))
    return document(frame, "".join(body), label=label, kind="bars")
