"""The measurements behind findings (precompute.findings), on plain arrays: each threshold declared once, here.

Angles are degrees, counter-clockwise from pointing right, as the tuning stage stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from store.circle import coverage
from store.scores import ORIENTED_SELECTIVITY

# Curve detectors: a unit whose top dataset examples are mostly curves and whose preferred orientation holds however
# the curve is drawn; a layer grows them when it has enough of them spread round the circle.
CURVE_CLASS_SHARE = 0.75  # of a unit's top examples labelled with a curve class (store.scores.FAMILY_CLASSES)
MIN_SELECTIVITY = ORIENTED_SELECTIVITY  # its stored orientation selectivity: it prefers an orientation (not a ring)
ORIENTATION_TOLERANCE = 20.0  # degrees: a rendering's preferred orientation within this of the unit's
MIN_RENDERINGS = 3  # renderings (of precompute.tuning_stimuli.RENDERINGS) that must agree
MIN_CURVE_UNITS = 10  # in one layer
MIN_COVERAGE = 300.0  # degrees of the circle those units' preferred orientations cover (store.circle)
# Equivariant weights: between two consecutive layers' curve units.
MIN_PAIR_UNITS = 3  # curve units each layer of a pair needs for a correlation to mean anything
MIN_EQUIVARIANCE_R = 0.7  # Pearson r of the summed weight against cos Δθ
DELTA_BIN = 30.0  # degrees: the width of a bin of the weights-by-orientation-difference plot
MAX_PLOT_PAIRS = 400  # pairs of units the plot draws one dot each for, beside the bins' means (more: the bars alone)
# Colour vs black and white.
EARLY_LAYERS = 4  # the model's first layers that count as early (conv2d0…mixed3a on the demo)
COLOUR_BW_RATIO = 0.3  # a unit with bw_ratio below this needs colour: a colour unit
MIN_COLOUR_SHARE = 0.10  # of an early layer's units
SVD_COMPONENTS = 3  # the first components of an early pair's SVD that are searched
MIN_SVD_R = 0.6  # |Pearson r| of a component's loadings with bw_ratio
# Branch specialization.
MIN_BRANCH_SHARE = 0.8  # of a layer's curve units held by one branch
# Colour contrast into centre-surround.
ROTATION_INVARIANT = 0.2  # orientation selectivity below this: a unit that does not care about orientation
ORIENTED = ORIENTED_SELECTIVITY  # orientation selectivity at least this: an oriented (colour-contrast) unit
STRONGEST_INPUTS = 8  # a unit's strongest positive inputs that are looked at
MIN_ROTATED_COPIES = 3  # colour-contrast units among them
MIN_COPIES_COVERAGE = 180.0  # degrees their preferred orientations cover: copies turned round the circle


def class_share(labels: Sequence[str | None], classes: Sequence[str]) -> float:
    """The share of `labels` that are one of `classes` (0 for no labels)."""
    return sum(label in classes for label in labels) / len(labels) if labels else 0.0


def angle_difference(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """a − b wrapped to [−180, 180)."""
    return (np.asarray(a, dtype=np.float64) - b + 180.0) % 360.0 - 180.0


def circular_mean(angles: np.ndarray) -> float:
    """The direction of the mean unit vector of `angles` (NaN when they cancel out or there are none)."""
    vector = np.exp(1j * np.deg2rad(angles)).sum()
    return float(np.rad2deg(np.angle(vector)) % 360.0) if abs(vector) > 1e-9 else float("nan")


def stable_orientation(preferred: np.ndarray) -> float | None:
    """A unit's preferred orientation if it holds within ORIENTATION_TOLERANCE of their circular mean in at least
    MIN_RENDERINGS of its renderings' preferred orientations (NaN: no response to a rendering): the mean of those
    that hold; None otherwise."""
    measured = preferred[np.isfinite(preferred)]
    mean = circular_mean(measured)
    if np.isnan(mean):
        return None
    holding = measured[np.abs(angle_difference(measured, mean)) <= ORIENTATION_TOLERANCE]
    return circular_mean(holding) if len(holding) >= MIN_RENDERINGS else None


def curve_layer_passes(orientations: Sequence[float]) -> bool:
    """Whether a layer's curve units are enough and cover enough of the circle."""
    covers = coverage(orientations).covers
    return len(orientations) >= MIN_CURVE_UNITS and covers is not None and covers >= MIN_COVERAGE


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson's r of two equal-length arrays (None: fewer than 3 points or a constant one)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def equivariance(summed: np.ndarray, later: np.ndarray, earlier: np.ndarray) -> tuple[float | None, np.ndarray]:
    """r(summed weight, cos Δθ) and every (Δθ, weight) pair of a (later, earlier) matrix of summed weights between
    units preferring `later` and `earlier` orientations; Δθ = later − earlier in [−180, 180)."""
    delta = angle_difference(later[:, None], earlier[None, :])
    r = pearson(summed.ravel(), np.cos(np.deg2rad(delta)).ravel())
    return r, np.stack([delta.ravel(), summed.ravel()], axis=1)


def binned_means(pairs: np.ndarray, width: float = DELTA_BIN) -> list[dict[str, float | int | None]]:
    """The mean weight in each bin of Δθ of `width` degrees from −180 to 180: {from, to, mean, count}."""
    edges = np.arange(-180.0, 180.0 + width / 2, width)
    found = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = pairs[(pairs[:, 0] >= low) & (pairs[:, 0] < high), 1] if len(pairs) else np.empty(0)
        mean = float(inside.mean()) if len(inside) else None
        found.append({"from": float(low), "to": float(high), "mean": mean, "count": int(len(inside))})
    return found


def profile_r(bins: Sequence[Mapping[str, float | int | None]]) -> float | None:
    """r of the binned mean weights against the cosine of their bins' centres: how closely the plot (every pair
    averaged per bin, as the Circuits articles draw it) follows cos Δθ, however noisy each pair is."""
    held = [b for b in bins if b["mean"] is not None]
    centres = np.array([(float(b["from"]) + float(b["to"])) / 2 for b in held])  # type: ignore[arg-type]
    return pearson(np.array([float(b["mean"]) for b in held]), np.cos(np.deg2rad(centres)))  # type: ignore[arg-type]


def colour_share(bw: Mapping[int, float]) -> float:
    """The share of the units with a bw_ratio that are colour units (0 for none)."""
    return sum(v < COLOUR_BW_RATIO for v in bw.values()) / len(bw) if bw else 0.0


def loading_correlations(loadings: np.ndarray, bw: Mapping[int, float]) -> list[float | None]:
    """r of each of the first SVD_COMPONENTS columns of (units, k) loadings with the units' bw_ratio (where held)."""
    units = sorted(u for u in bw if u < len(loadings))
    values = np.array([bw[u] for u in units])
    count = min(SVD_COMPONENTS, loadings.shape[1] if loadings.ndim == 2 else 0)
    return [pearson(loadings[units, k], values) for k in range(count)]


def branch_shares(units: Sequence[int], branches: Mapping[int, str]) -> dict[str, float]:
    """Each branch's share of `units` (those with a branch), highest first."""
    held = [branches[u] for u in units if u in branches]
    counts = {b: held.count(b) / len(held) for b in sorted(set(held))}
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def colour_enrichment(branches: Mapping[int, str], bw: Mapping[int, float]) -> dict[str, float]:
    """Each branch's share of colour units among its units with a bw_ratio, minus the layer's share (> 0: enriched)."""
    layer = colour_share({u: v for u, v in bw.items() if u in branches})
    found = {}
    for branch in sorted(set(branches.values())):
        found[branch] = colour_share({u: v for u, v in bw.items() if branches.get(u) == branch}) - layer
    return found


def rotated_copies(inputs: Sequence[int], colour_units: Mapping[int, float]) -> tuple[list[int], float]:
    """The colour-contrast units among `inputs` (colour_units: unit → preferred orientation) and how much of the
    circle their orientations cover (0 for fewer than two)."""
    copies = [u for u in inputs if u in colour_units]
    covers = coverage([colour_units[u] for u in copies]).covers
    return copies, covers or 0.0


def strongest_inputs(summed_row: np.ndarray, count: int = STRONGEST_INPUTS) -> list[int]:
    """The earlier units with the largest positive summed weights into one unit, strongest first."""
    order = np.argsort(-summed_row, kind="stable")[:count]
    return [int(u) for u in order if summed_row[u] > 0]
