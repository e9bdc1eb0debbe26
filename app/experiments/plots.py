"""An experiment's figure: each class's accuracy without and with the edit, as pairs of horizontal bars (the classes
the edited family answers marked), each bar's value on hover and at its end."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from app.circuit.angles import angle_difference, binned_means
from app.experiments.schemas import ExperimentPublic
from app.plots.sparkline_polar import polar_sparkline
from app.plots.weights_by_angle import weights_by_angle_svg
from store.figures.axes import AXIS_COLOUR, GRID_COLOUR, Frame, Scale, document, element, num, text, tooltip

BEFORE = "#a8a29e"  # without the edit
AFTER = "#0f766e"  # with it
ROW = 26  # pixels per class: two bars and a gap
NAME_WIDTH = 150  # the class names' column
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def accuracy_bars(page: ExperimentPublic, width: int = 560) -> Markup | None:
    """Each class's accuracy without (grey) and with (teal) the edit; None when no image was labelled."""
    if not page.classes:
        return None
    frame = Frame(width, 40 + ROW * len(page.classes) + 36, left=NAME_WIDTH, right=48, top=40, bottom=36)
    sx = Scale(0.0, 1.0, frame.x_start, frame.x_end)
    parts = [_legend(frame)]
    for tick in TICKS:
        x = sx(tick)
        parts.append(
            element("line", x1=num(x), y1=num(frame.y_top), x2=num(x), y2=num(frame.y_bottom), stroke=GRID_COLOUR)
        )
        parts.append(text(x, frame.y_bottom + 16, f"{tick:.0%}", class_="tick", text_anchor="middle"))
    parts.append(
        text(
            (frame.x_start + frame.x_end) / 2,
            frame.y_bottom + 32,
            "accuracy",
            class_="axis-title",
            text_anchor="middle",
        )
    )
    for i, row in enumerate(page.classes):
        top = frame.y_top + i * ROW
        name = f"{row.name} ◆" if row.family_class else row.name
        parts.append(
            text(
                frame.x_start - 8,
                top + 15,
                name,
                class_="tick" + (" family-class" if row.family_class else ""),
                text_anchor="end",
            )
        )
        for offset, value, colour, when in ((2, row.before, BEFORE, "without"), (12, row.after, AFTER, "with")):
            hover = f"{row.name}: {value:.1%} {when} the edit ({row.images} images)"
            parts.append(
                element(
                    "rect",
                    tooltip(hover),
                    x=num(frame.x_start),
                    y=num(top + offset),
                    width=num(max(sx(value) - frame.x_start, 0.5)),
                    height=9,
                    fill=colour,
                )
            )
        parts.append(text(sx(row.after) + 4, top + 20, f"{row.change:+.0%}", class_="tick"))
    parts.append(
        element(
            "line",
            x1=num(frame.x_start),
            y1=num(frame.y_top),
            x2=num(frame.x_start),
            y2=num(frame.y_bottom),
            stroke=AXIS_COLOUR,
        )
    )
    label = f"Accuracy per class without and with the edit: {page.title}"
    return document(frame, "".join(parts), label=label, kind="accuracy")


def _legend(frame: Frame) -> str:
    x, y = frame.x_start, 12
    parts = [
        element("rect", x=num(x), y=num(y), width=12, height=10, fill=BEFORE),
        text(x + 17, y + 9, "without the edit"),
        element("rect", x=num(x + 130), y=num(y), width=12, height=10, fill=AFTER),
        text(x + 147, y + 9, "with it"),
        text(x + 210, y + 9, "◆ a class the family answers"),
    ]
    return element("g", "".join(parts), class_="legend")


def rebuilt_curves(page: ExperimentPublic) -> dict[str, Markup]:
    """Each rebuilt unit's orientation tuning, real (filled) and rebuilt (dashed) on one polar sparkline, by ref."""
    if page.rebuild is None:
        return {}
    return {
        u.ref: polar_sparkline(
            u.angles,
            u.curve_real,
            overlay=u.curve_rebuilt,
            preferred=u.orientation,
            size=96,
            label=f"{u.ref}: orientation tuning, real (filled) and rebuilt by hand (dashed)",
        )
        for u in page.rebuild.units
        if u.curve_real and u.curve_rebuilt
    }


def rebuilt_weights(page: ExperimentPublic) -> list[tuple[str, Markup]]:
    """The Circuits articles' figure for the rebuild, real and rebuilt side by side: the summed weight from each of the
    rule's units into each rebuilt unit, by the difference of their preferred orientations (mean per bin). Empty for
    a rebuild drawn from a tensor (no orientations) or a result stored before the weights were kept."""
    rebuild = page.rebuild
    if rebuild is None or not rebuild.sources:
        return []
    phis = np.array([s.orientation for s in rebuild.sources])
    kept = [u for u in rebuild.units if u.orientation is not None and len(u.weights_real) == len(phis)]
    if not kept:
        return []
    delta = np.concatenate([angle_difference(np.full(len(phis), u.orientation), phis) for u in kept])
    plots = []
    for title, key in (("real weights", "weights_real"), ("rebuilt by the rule", "weights_rebuilt")):
        weights = np.concatenate([np.asarray(getattr(u, key)) for u in kept])
        label = f"{title}: summed weight from {rebuild.source_layer}'s units into the rebuilt units by Δθ"
        plots.append((title, weights_by_angle_svg(binned_means(delta, weights), label=label)))
    return plots
