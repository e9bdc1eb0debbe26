"""A unit page's figures, drawn from what the store holds about the unit: its tuning curves, the histogram of its
activations, an activation map over each dataset example and each connection's kernel (or bar).

Precompute draws them once per unit (precompute/figures.py) and the store keeps them (store.figures.stored); a page
of a store that has none draws them with the same function, so both show the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from store.figures.activation_histogram import unit_histogram
from store.figures.amap_overlay import amap_svg
from store.figures.kernels import is_spatial, kernel_scale, kernel_svg, weight_bar
from store.figures.tuning import TuningPlot, tuning_plots
from store.records import EdgeView, ExampleView, RangeExampleView, UnitDetail
from store.refs import UnitRef

FIGURES_VERSION = 1  # bump when a figure changes, so that precompute redraws stored figures and pages ignore old ones


@dataclass(frozen=True)
class EdgeFigures:
    """One side's connections as drawn: each kernel (or bar) by the ref of the unit at the other end."""

    scale: float  # the largest |value| of the side's spatial kernels, their shared colour scale (0: none)
    top: float  # the strongest |weight| of the side, which bars are scaled to
    cells: dict[str, Markup]


@dataclass(frozen=True)
class UnitFigures:
    """Everything the unit page draws, keyed as the page finds it."""

    tuning: list[TuningPlot]
    histogram: Markup | None
    amaps: dict[str, Markup]  # by `example_key`; only examples with a map
    inputs: EdgeFigures
    outputs: EdgeFigures

    def amap(self, kind: str, rank: int) -> Markup:
        """The activation map over an example (kind 'top', 'bottom' or 'quantile'), or nothing when it has none."""
        return self.amaps.get(example_key(kind, rank), Markup(""))


def example_key(kind: str, rank: int) -> str:
    """'top:0', 'bottom:3', 'quantile:1': an example of the unit."""
    return f"{kind}:{rank}"


def amap_scale(detail: UnitDetail) -> float:
    """The magnitude every map of the unit is drawn on: its largest peak over the dataset, or its top example's."""
    if detail.stats is not None:
        return max(abs(detail.stats.max), abs(detail.stats.min))
    return abs(max((e.activation for e in detail.dataset_examples), default=0.0))


def _mapped(detail: UnitDetail) -> dict[str, ExampleView]:
    """The unit's examples that hold an activation map, by `example_key`."""
    examples: list[tuple[str, ExampleView]] = [("top", e) for e in detail.dataset_examples]
    examples += [(e.kind, e) for e in detail.range_examples if isinstance(e, RangeExampleView)]
    return {example_key(kind, e.rank): e for kind, e in examples if e.amap and e.amap[0]}


def _amaps(detail: UnitDetail) -> dict[str, Markup]:
    scale = amap_scale(detail)
    return {key: amap_svg(e.amap, scale, e.asset.width, e.asset.height) for key, e in _mapped(detail).items()}


def covers(figures: UnitFigures, detail: UnitDetail) -> bool:
    """Whether `figures` draw exactly the maps, kernels and histogram the unit's page shows: stored figures that do
    not were drawn from other data (a store changed since), and the page draws its own."""
    return (
        figures.amaps.keys() == _mapped(detail).keys()
        and figures.inputs.cells.keys() == {str(UnitRef(e.layer, e.unit)) for e in detail.inputs}
        and figures.outputs.cells.keys() == {str(UnitRef(e.layer, e.unit)) for e in detail.outputs}
        and (figures.histogram is None) == (detail.stats is None)
    )


def edge_figures(edges: list[EdgeView]) -> EdgeFigures:
    """A side's kernels on their shared scale, and bars (scaled to the strongest weight) for the rest."""
    scale = kernel_scale(e.kernel for e in edges)
    top = max((abs(e.weight) for e in edges), default=0.0)
    cells = {
        str(UnitRef(e.layer, e.unit)): kernel_svg(e.kernel, scale)
        if is_spatial(e.kernel)
        else weight_bar(e.weight, top)
        for e in edges
    }
    return EdgeFigures(scale, top, cells)


def draw_unit(layer: str, detail: UnitDetail) -> UnitFigures:
    """The figures of a unit page (the unit of `layer` that `detail` describes)."""
    ref = str(UnitRef(layer, detail.summary.unit))
    stats = detail.stats
    return UnitFigures(
        tuning=tuning_plots(ref, detail.curves, detail.summary.scores),
        histogram=unit_histogram(stats, detail.range_examples) if stats is not None else None,
        amaps=_amaps(detail),
        inputs=edge_figures(detail.inputs),
        outputs=edge_figures(detail.outputs),
    )
