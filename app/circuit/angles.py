"""A family circuit's weights by orientation difference, as the Circuits articles plot them: the weight of each
(row, column) pair of a grid summed over its kernel, against the difference of the two units' preferred orientations.

Only units that prefer an orientation count (orientation selectivity at least store.scores.ORIENTED_SELECTIVITY, as
the axes' arrows): a ring-like unit's angle is noise. A pair is plotted when both of its layers have MIN_ORIENTED
such units; the figure is drawn by app.plots.weights_by_angle, as on the findings page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from app.circuit.schemas import CircuitPublic, CircuitUnitPublic
from app.plots.weights_by_angle import weights_by_angle_svg
from store.scores import ORIENTATION, ORIENTATION_SELECTIVITY, ORIENTED_SELECTIVITY

MIN_ORIENTED = 3  # units of each layer: as the findings' equivariance (precompute.findings_checks.MIN_PAIR_UNITS)
DELTA_BIN = 30.0  # degrees: a bar's width, as the findings' plot (precompute.findings_checks.DELTA_BIN)


@dataclass(frozen=True)
class AnglePlot:
    """One layer pair's weights by orientation difference, and which of its units it leaves out."""

    source: str
    layer: str
    rows: int  # oriented units of the later layer
    columns: int  # oriented units of the earlier layer
    left_out: list[str]  # refs of the units that prefer no orientation
    svg: Markup


def oriented(unit: CircuitUnitPublic) -> float | None:
    """The unit's preferred orientation (degrees) when it prefers one, else None."""
    theta = unit.scores.get(ORIENTATION.name)
    selective = unit.scores.get(ORIENTATION_SELECTIVITY.name, 0.0) >= ORIENTED_SELECTIVITY
    return theta if theta is not None and selective else None


def angle_difference(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """later − earlier, degrees, wrapped to [−180, 180)."""
    return (later - earlier + 180.0) % 360.0 - 180.0


def binned_means(delta: np.ndarray, weights: np.ndarray) -> list[dict[str, float | int | None]]:
    """The mean weight in each DELTA_BIN-wide bin of Δθ from −180° to 180°: {from, to, mean, count}."""
    edges = np.arange(-180.0, 180.0 + DELTA_BIN / 2, DELTA_BIN)
    counts, _ = np.histogram(delta, edges)
    totals, _ = np.histogram(delta, edges, weights=weights)
    return [
        {"from": float(low), "to": float(high), "mean": float(total / count) if count else None, "count": int(count)}
        for low, high, total, count in zip(edges[:-1], edges[1:], totals, counts, strict=True)
    ]


def angle_plots(circuit: CircuitPublic, tensors: Sequence[np.ndarray]) -> list[AnglePlot]:
    """The plot of each layer pair of the circuit (every row, not a page's) whose layers both have MIN_ORIENTED
    oriented units; `tensors` are the pairs' stored weights, (later, earlier, kh, kw)."""
    found = []
    for i, (pair, tensor) in enumerate(zip(circuit.pairs, tensors, strict=True)):
        columns, rows = circuit.layers[i].units, circuit.layers[i + 1].units
        plot = _plot(pair.source, pair.layer, columns, rows, tensor)
        if plot is not None:
            found.append(plot)
    return found


def _plot(
    source: str, layer: str, columns: Sequence[CircuitUnitPublic], rows: Sequence[CircuitUnitPublic], tensor: np.ndarray
) -> AnglePlot | None:
    across = [(u, theta) for u in columns if (theta := oriented(u)) is not None]
    down = [(u, theta) for u in rows if (theta := oriented(u)) is not None]
    if len(across) < MIN_ORIENTED or len(down) < MIN_ORIENTED:
        return None
    block = tensor[np.ix_([u.unit for u, _ in down], [u.unit for u, _ in across])]
    summed = np.asarray(block, dtype=np.float64).sum(axis=(2, 3))
    delta = angle_difference(np.array([t for _, t in down])[:, None], np.array([t for _, t in across])[None, :])
    names = [[f"{col.ref} → {row.ref}" for col, _ in across] for row, _ in down]
    pairs = [name for line in names for name in line]
    points = list(zip(delta.ravel().tolist(), summed.ravel().tolist(), pairs, strict=True))
    label = f"summed weight {source} → {layer} by difference of preferred orientation"
    svg = weights_by_angle_svg(binned_means(delta.ravel(), summed.ravel()), label=label, points=points)
    kept = {u.ref for u, _ in [*across, *down]}
    left_out = [u.ref for u in [*columns, *rows] if u.ref not in kept]
    return AnglePlot(source, layer, len(down), len(across), left_out, svg)
