"""Present stored weight tensors: a layer pair's file and SVD, a unit's full row and column, and the SVD's plots.

Like `app.units.present`, nothing here queries: handlers pass the views and tensor slices the reader fetched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup

from app import routes, urls
from app.plots.bars import share_bars_svg
from app.plots.scatter import ColourScale, Point, SheetCell, scatter_svg
from app.schemas import EdgePublic
from app.units.present import unit_label
from app.weights import sheet
from app.weights.schemas import LayerWeightsPublic, SvdPublic, SvdUnitPublic, UnitWeightsPublic, WeightsSlicePublic
from store.records import LayerView, ModelView, UnitSummary, WeightsView
from store.refs import UnitRef
from store.scores import BW_RATIO

MATRIX = "M[out, in] = sum over (kh, kw) of |W[out, in, kh, kw]|, in float64 from the stored float16 tensor"
VARIANCE_BARS = 16  # components drawn in the variance chart; the rest are summed in its caption


def _layer(model: ModelView, name: str) -> LayerView | None:
    return next((layer for layer in model.layers if layer.name == name), None)


def filename(model_id: str, view: WeightsView) -> str:
    """A file name for the download: 'model-source-to-layer.npy', with characters unsafe in file names replaced."""
    return re.sub(r"[^\w.-]+", "_", f"{model_id}-{view.source}-to-{view.layer}") + ".npy"


def _file_fields(model: ModelView, view: WeightsView) -> dict[str, Any]:
    """What every view of a stored tensor says (WeightsFilePublic)."""
    return {
        "layer": view.layer,
        "source": view.source,
        "kind": view.kind,
        "shape": list(view.shape),
        "dtype": view.dtype,
        "format": view.format,
        "sha256": view.asset.sha256,
        "size_bytes": view.size_bytes,
        "max_abs": view.max_abs,
        "download_url": urls.asset(view.asset),
        "filename": filename(model.id, view),
        "url": urls.path(routes.LAYER_WEIGHTS, model=model.id, layer=view.layer),
        "api_url": urls.path(routes.API_LAYER_WEIGHTS, model=model.id, layer=view.layer),
    }


def _svd_units(
    model: ModelView, layer_name: str, coordinates: Sequence[Sequence[float]], units: list[UnitSummary]
) -> list[SvdUnitPublic]:
    """Each unit of a layer with its coordinates on the first components, label, thumbnail and scores."""
    layer, by_unit = _layer(model, layer_name), {u.unit: u for u in units}
    return [
        SvdUnitPublic(
            **_unit_fields(model, layer, layer_name, unit, by_unit.get(unit)),
            coordinates=list(coords),
            scores=dict(by_unit[unit].scores) if unit in by_unit else {},
        )
        for unit, coords in enumerate(coordinates)
    ]


def _unit_fields(
    model: ModelView, layer: LayerView | None, layer_name: str, unit: int, summary: UnitSummary | None
) -> dict[str, Any]:
    """The fields that name a unit in these responses: layer, number, ref, label, page and thumbnail."""
    stored = summary.label if summary else None
    return {
        "layer": layer_name,
        "unit": unit,
        "ref": str(UnitRef(layer_name, unit)),
        "label": unit_label(model, layer, unit, stored) if layer else stored,
        "url": urls.path(routes.UNIT, model=model.id, layer=layer_name, unit=unit),
        "thumbnail": urls.maybe_asset(summary.thumbnail) if summary else None,
    }


def layer_weights_public(
    model: ModelView, view: WeightsView, layer_units: list[UnitSummary], source_units: list[UnitSummary]
) -> LayerWeightsPublic:
    """A layer pair's stored tensor and its SVD, both layers' units placed on the first components."""
    svd = view.svd
    return LayerWeightsPublic(
        **_file_fields(model, view),
        model=model.id,
        layer_url=urls.path(routes.LAYER, model=model.id, layer=view.layer),
        source_url=urls.path(routes.LAYER, model=model.id, layer=view.source),
        svd=SvdPublic(
            matrix=MATRIX,
            singular_values=svd.singular_values,
            variance_share=svd.variance_share,
            components=svd.components,
            layer_units=_svd_units(model, view.layer, svd.dst, layer_units),
            source_units=_svd_units(model, view.source, svd.src, source_units),
        ),
    )


def _edges(
    model: ModelView, view: WeightsView, layer: str, kernels: np.ndarray, units: list[UnitSummary]
) -> list[EdgePublic]:
    """Every unit of `layer` at the other end of a row or column (kernels[i] is unit i's), strongest first."""
    other, by_unit = _layer(model, layer), {u.unit: u for u in units}
    sums = np.asarray(kernels, dtype=np.float64).sum(axis=(1, 2))
    return [
        EdgePublic(
            **_unit_fields(model, other, layer, unit, by_unit.get(unit)),
            weight=float(sums[unit]),
            kind=view.kind,
            kernel=np.asarray(kernels[unit], dtype=np.float32).tolist(),
        )
        for unit in sorted(range(len(sums)), key=lambda i: (-abs(sums[i]), i))
    ]


@dataclass(frozen=True)
class Slice:
    """A unit's row (kernels from every unit of `view.source`) or column (into every unit of `view.layer`)."""

    view: WeightsView
    kernels: np.ndarray  # (other units, kh, kw)
    units: list[UnitSummary]  # the other layer's units (labels, thumbnails)


def _slice(model: ModelView, part: Slice, other_layer: str) -> WeightsSlicePublic:
    edges = _edges(model, part.view, other_layer, part.kernels, part.units)
    return WeightsSlicePublic(**_file_fields(model, part.view), weights=edges)


def unit_weights_public(
    model: ModelView, layer: LayerView, unit: int, row: Slice | None, columns: list[Slice]
) -> UnitWeightsPublic:
    """A unit's every input (its row of the tensor into its layer) and every output (its column of each tensor out)."""
    return UnitWeightsPublic(
        model=model.id,
        layer=layer.name,
        unit=unit,
        ref=str(UnitRef(layer.name, unit)),
        url=urls.path(routes.UNIT, model=model.id, layer=layer.name, unit=unit),
        api_url=urls.path(routes.API_UNIT_WEIGHTS, model=model.id, layer=layer.name, unit=unit),
        inputs=_slice(model, row, row.view.source) if row else None,
        outputs=[_slice(model, column, column.view.layer) for column in columns],
    )


@dataclass(frozen=True)
class SvdFigures:
    """The SVD section's plots: the variance share per component, and each layer's units on components 1 and 2."""

    variance: Markup
    layer: Markup
    source: Markup
    rest: float  # the share of variance of the components the bar chart leaves out
    layer_coloured: bool  # whether the later layer's rings show bw_ratio (its units have the score)
    source_coloured: bool


def _colours(units: list[SvdUnitPublic]) -> ColourScale | None:
    if not any(BW_RATIO.name in u.scores for u in units):
        return None
    return ColourScale(f"{BW_RATIO.title} ({BW_RATIO.name})", BW_RATIO.low, BW_RATIO.high)


def _hover(unit: SvdUnitPublic, x: float, y: float) -> str:
    label = f" {unit.label}" if unit.label else ""
    score = f" · {BW_RATIO.name} {unit.scores[BW_RATIO.name]:.2f}" if BW_RATIO.name in unit.scores else ""
    return f"{unit.ref}{label} · component 1 {x:.3f}, component 2 {y:.3f}{score}"


def _cell(drawn: sheet.SheetLayout, unit: int) -> SheetCell:
    width, height = drawn.size
    return SheetCell(drawn.url, width, height, *drawn.corner(unit), drawn.cell)


def _units_scatter(model: str, layer: str, units: list[SvdUnitPublic], label: str) -> Markup:
    """The layer's units on the first two components, their thumbnails cut from the layer's one sheet."""
    drawn = sheet.layout(model, layer, len(units))  # units[i] is unit i (`_svd_units`)
    points = []
    for u in units:
        x, y = (u.coordinates + [0.0, 0.0])[:2]  # a pair with one component has no second axis: y = 0
        image = _cell(drawn, u.unit) if u.thumbnail else None
        points.append(Point(x, y, _hover(u, x, y), u.url, image, u.scores.get(BW_RATIO.name)))
    return scatter_svg(points, label=label, x_title="component 1", y_title="component 2", colours=_colours(units))


def svd_figures(weights: LayerWeightsPublic) -> SvdFigures:
    """The plots of the page of a layer pair's weights."""
    svd = weights.svd
    shares = svd.variance_share[:VARIANCE_BARS]
    running = np.cumsum(svd.variance_share)[: len(shares)].tolist()
    variance = share_bars_svg(
        shares,
        label=f"Share of variance of each component, {weights.source} → {weights.layer}",
        x_title="component",
        y_title="share of Σ s²",
        bar_title="of variance",
        running=running,
        line_title="cumulative",
    )
    return SvdFigures(
        variance=variance,
        layer=_units_scatter(
            weights.model, weights.layer, svd.layer_units, f"Units of {weights.layer} (later layer, rows of U)"
        ),
        source=_units_scatter(
            weights.model, weights.source, svd.source_units, f"Units of {weights.source} (earlier layer, rows of V)"
        ),
        rest=float(sum(svd.variance_share[VARIANCE_BARS:])),
        layer_coloured=_colours(svd.layer_units) is not None,
        source_coloured=_colours(svd.source_units) is not None,
    )
