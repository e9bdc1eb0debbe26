"""The unit page's tuning-curve plots, drawn from the unit's stored curves (anything with a name, axes and values:
`store.records.CurveView`, the API's `CurvePublic`) and its scores; never queries.

Orientation curves share one polar plot (with the preferred orientation marked), orientation × radius is a heatmap,
hue and spatial frequency are small line charts; a curve of another name is drawn by its number of axes.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup

from store.figures.heatmap import heatmap_svg
from store.figures.lines import line_chart_svg
from store.figures.polar import Series, polar_svg

# The polar plot's series: (stored curve, legend name); `curvature` is drawn as its best radius at each angle. The
# `orientation` curve (the best of the others at each angle) is drawn only when none of the others is stored.
POLAR = (("curvature", "curves (best radius)"), ("line", "lines"), ("edge", "edges"))
BEST = ("orientation", "best stimulus")
VALUE = "activation"


class Curve(Protocol):
    """A stored tuning curve: its name, each swept factor with its values, and the responses nested alike."""

    @property
    def name(self) -> str: ...

    @property
    def axes(self) -> Mapping[str, Sequence[float]]: ...

    @property
    def values(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class TuningPlot:
    """One plot of the unit page's tuning section: a title, the SVG and a sentence saying what it shows."""

    title: str
    svg: Markup
    caption: str


def _best_over_rows(curve: Curve) -> list[float]:
    return [max(column) for column in zip(*curve.values, strict=True)]


def _orientation_plot(ref: str, scores: Mapping[str, float], curves: dict[str, Curve]) -> TuningPlot | None:
    series = []
    chosen = [entry for entry in POLAR if entry[0] in curves] or [BEST]
    for name, legend in chosen:
        curve = curves.get(name)
        if curve is not None and list(curve.axes)[-1] == "orientation":
            series.append(Series(legend, _best_over_rows(curve) if len(curve.axes) == 2 else list(curve.values)))
    if not series:
        return None
    angles = next(curves[name].axes["orientation"] for name, _ in chosen if name in curves)
    mark = scores.get("orientation")
    svg = polar_svg(
        angles,
        series,
        label=f"{ref}: response by orientation",
        value_title=VALUE,
        mark=mark,
        mark_title="preferred" if mark is not None else None,
    )
    caption = "Activation by the direction the stimulus faces (0° right, counter-clockwise)."
    return TuningPlot("Orientation", svg, caption)


def _heatmap(ref: str, curve: Curve, title: str) -> TuningPlot:
    (row_axis, rows), (column_axis, columns) = list(curve.axes.items())
    svg = heatmap_svg(
        curve.values,
        rows=[f"{r:.2g}" for r in rows],
        columns=[f"{c:g}" for c in columns],
        label=f"{ref}: response by {row_axis} and {column_axis}",
        row_title=row_axis,
        column_title=column_axis,
        value_title=VALUE,
    )
    return TuningPlot(title, svg, f"Activation by {row_axis} (rows) and {column_axis} (columns).")


def _hue_colour(hue: float) -> str:
    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360, 0.85, 0.85)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _line_chart(ref: str, curve: Curve, title: str) -> TuningPlot:
    ((axis, xs),) = curve.axes.items()
    colours = [_hue_colour(x) for x in xs] if axis == "hue" else []
    svg = line_chart_svg(
        [f"{x:g}" for x in xs],
        [Series(curve.name, list(curve.values))],
        label=f"{ref}: response by {axis}",
        x_title=axis,
        y_title=VALUE,
        point_colours=colours,
    )
    return TuningPlot(title, svg, f"Activation by {axis}.")


def _frequency_chart(ref: str, curve: Curve) -> TuningPlot:
    (axis, xs), _ = list(curve.axes.items())
    best = [max(row) for row in curve.values]
    mean = [sum(row) / len(row) for row in curve.values]
    svg = line_chart_svg(
        [f"{x:g}" for x in xs],
        [Series("best orientation", best), Series("mean over orientations", mean)],
        label=f"{ref}: response by grating frequency",
        x_title=f"{axis} (cycles per receptive field)",
        y_title=VALUE,
    )
    return TuningPlot(
        "Spatial frequency", svg, "Activation to gratings by frequency: the best orientation and the mean."
    )


def tuning_plots(ref: str, curves: Sequence[Curve], scores: Mapping[str, float]) -> list[TuningPlot]:
    """The plots of a unit's tuning curves, orientation first; empty when none are stored."""
    named = {curve.name: curve for curve in curves}
    plots = [plot for plot in [_orientation_plot(ref, scores, named)] if plot is not None]
    for curve in curves:
        if curve.name in ("orientation", "line", "edge"):
            continue
        if curve.name == "frequency" and len(curve.axes) == 2:
            plots.append(_frequency_chart(ref, curve))
        elif len(curve.axes) == 2:
            plots.append(_heatmap(ref, curve, "Curvature" if curve.name == "curvature" else curve.name.capitalize()))
        elif len(curve.axes) == 1:
            plots.append(_line_chart(ref, curve, curve.name.capitalize()))
    return plots
