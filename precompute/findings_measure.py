"""Each finding measured on what the store holds (precompute.findings_checks' numbers, thresholds and verdicts).

A finding is a plain dict, stored as is (store.findings_read.Finding): its key, title, claim, verdict ("passed",
"failed" or "not measurable"), reason, whether the course requires it, its numbers, the thresholds they are held to,
rows (per layer or pair), links (store references that app.findings turns into URLs) and, for one, a plot's data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from precompute import findings_checks as c
from store.circle import coverage
from store.findings_read import Finding
from store.records import LayerView, WeightsView
from store.scores import FAMILY_CLASSES, ORIENTATION_SELECTIVITY

CURVE_CLASSES = FAMILY_CLASSES["curves"]
PASSED, FAILED, NOT_MEASURABLE = "passed", "failed", "not measurable"


@dataclass
class Evidence:
    """What the findings of one model are measured from: its layers, examples' labels, scores, branches, weights."""

    layers: list[LayerView]
    labels: dict[str, dict[int, list[str | None]]]  # top examples' labels by layer, unit
    scores: dict[str, dict[str, dict[int, float]]]  # by layer, score, unit
    branches: dict[str, dict[int, str]]
    weights: dict[str, WeightsView]  # the weights into each layer from its previous one
    tensor: Callable[[WeightsView], np.ndarray]
    curve_units: dict[str, dict[int, float]] = field(default_factory=dict)  # finding 1's units: preferred orientation
    curve_class: dict[str, list[int]] = field(default_factory=dict)  # units whose top examples are mostly curves

    def score(self, layer: str, name: str) -> dict[int, float]:
        """A layer's values of one score by unit (empty when not measured)."""
        return self.scores.get(layer, {}).get(name, {})


def finding(key: str, title: str, claim: str, **parts: Any) -> Finding:
    """A finding's payload: verdict failed unless told, no numbers, thresholds, rows or links unless given."""
    base = {"verdict": FAILED, "reason": None, "required": True, "numbers": {}, "thresholds": {}, "rows": []}
    return {"key": key, "title": title, "claim": claim, **base, "links": [], "plot": None, **parts}


def link(kind: str, label: str, **params: Any) -> dict[str, Any]:
    """A link to a view, by kind (unit, family, circuit, branches, weights, compare, model) and its parameters."""
    return {"kind": kind, "label": label, **params}


def by_orientation(units: Mapping[int, float]) -> list[int]:
    """The units ordered by preferred orientation (a circuit's rows read round the circle)."""
    return [u for u, _ in sorted(units.items(), key=lambda item: item[1])]


def curve_class_units(evidence: Evidence) -> dict[str, list[int]]:
    """Each layer's units whose top examples are at least CURVE_CLASS_SHARE curves (layers with none: absent)."""
    found = {}
    for layer, units in evidence.labels.items():
        chosen = [
            u for u, labels in sorted(units.items()) if c.class_share(labels, CURVE_CLASSES) >= c.CURVE_CLASS_SHARE
        ]
        if chosen:
            found[layer] = chosen
    return found


def has_curve_labels(evidence: Evidence) -> bool:
    """Whether any top example of the model carries a curve class label."""
    return any(label in CURVE_CLASSES for units in evidence.labels.values() for ls in units.values() for label in ls)


def selective_units(evidence: Evidence) -> dict[str, list[int]]:
    """Each layer's curve-class units whose stored orientation selectivity is at least MIN_SELECTIVITY: the candidates
    for finding 1, whose orientations the renderings then test (layers with none: absent)."""
    found = {layer: _selective_in(evidence, layer) for layer in evidence.curve_class}
    return {layer: units for layer, units in found.items() if units}


def _selective_in(evidence: Evidence, layer: str) -> list[int]:
    """The layer's curve-class units with a stored orientation selectivity of at least MIN_SELECTIVITY."""
    selectivity = evidence.score(layer, ORIENTATION_SELECTIVITY.name)
    return [u for u in evidence.curve_class[layer] if selectivity.get(u, 0.0) >= c.MIN_SELECTIVITY]


def stable_units(
    chosen: Mapping[str, Sequence[int]], rendered: Mapping[str, np.ndarray]
) -> dict[str, dict[int, float]]:
    """{layer: {unit: orientation}} of the chosen units whose preferred orientation holds across the renderings."""
    found: dict[str, dict[int, float]] = {}
    for layer, units in chosen.items():
        held = {u: c.stable_orientation(row) for u, row in zip(units, rendered.get(layer, []), strict=False)}
        found[layer] = {u: angle for u, angle in held.items() if angle is not None}
    return found


def curve_detectors(evidence: Evidence, model: str) -> Finding:
    """Finding 1: some layer grows enough orientation-stable curve units to cover the circle."""
    title, claim = (
        "Curve detectors",
        (
            f"Some layer has at least {c.MIN_CURVE_UNITS} units whose top dataset examples are at least "
            f"{c.CURVE_CLASS_SHARE:.0%} curves, whose orientation selectivity is at least {c.MIN_SELECTIVITY} and "
            "whose preferred orientation holds "
            f"within {c.ORIENTATION_TOLERANCE:.0f}° across at least {c.MIN_RENDERINGS} renderings of curves, together "
            f"covering at least {c.MIN_COVERAGE:.0f}° of the circle."
        ),
    )
    thresholds = {
        "class_share": c.CURVE_CLASS_SHARE,
        "selectivity": c.MIN_SELECTIVITY,
        "tolerance": c.ORIENTATION_TOLERANCE,
        "renderings": c.MIN_RENDERINGS,
        "units": c.MIN_CURVE_UNITS,
        "covers": c.MIN_COVERAGE,
    }
    if not has_curve_labels(evidence):
        reason = f"no top dataset example of this store is labelled {' or '.join(CURVE_CLASSES)}"
        return finding("curve_detectors", title, claim, verdict=NOT_MEASURABLE, reason=reason, thresholds=thresholds)
    rows = [_curve_row(evidence, layer.name) for layer in evidence.layers if layer.name in evidence.curve_class]
    passes = {r["layer"]: c.curve_layer_passes(list(evidence.curve_units.get(r["layer"], {}).values())) for r in rows}
    best = max(rows, key=lambda r: (passes[r["layer"]], r["units"], r["covers"] or 0.0), default=None)
    passed = any(passes.values())
    keys = ("layer", "units", "covers", "median_selectivity")
    numbers = {k: best[k] for k in keys} if best else {"units": 0}
    links = [link("family", f"{r['layer']} curve family", layer=r["layer"], family="curves") for r in rows]
    if best and best["units"]:
        groups = [[best["layer"], by_orientation(evidence.curve_units[best["layer"]])]]
        links.append(link("circuit", f"{best['layer']}'s curve units by orientation", groups=groups))
    verdict = PASSED if passed else FAILED
    return finding(
        "curve_detectors", title, claim, verdict=verdict, numbers=numbers, thresholds=thresholds, rows=rows, links=links
    )


def _curve_row(evidence: Evidence, layer: str) -> dict[str, Any]:
    units = evidence.curve_units.get(layer, {})
    covers = coverage(list(units.values())).covers
    selectivity = [s for u, s in evidence.score(layer, ORIENTATION_SELECTIVITY.name).items() if u in units]
    return {
        "layer": layer,
        "curve_class_units": len(evidence.curve_class[layer]),
        "selective_units": len(_selective_in(evidence, layer)),
        "units": len(units),
        "covers": None if covers is None else round(covers, 1),
        # Reported, not held to a threshold: how sharply the stored tuning curves of these units prefer one angle.
        "median_selectivity": round(float(np.median(selectivity)), 3) if selectivity else None,
        "orientations": {str(u): round(a, 1) for u, a in sorted(units.items())},
    }


def _pairs(evidence: Evidence) -> list[tuple[LayerView, LayerView]]:
    """(earlier, later) consecutive layers joined by stored weights, in forward order."""
    by_name = {layer.name: layer for layer in evidence.layers}
    return [(by_name[w.source], by_name[w.layer]) for w in evidence.weights.values() if w.source in by_name]


def summed(evidence: Evidence, layer: str, rows: Sequence[int], columns: Sequence[int]) -> np.ndarray:
    """The weights into `layer` from its previous layer summed over kernel positions, (rows, columns), float64."""
    tensor = evidence.tensor(evidence.weights[layer])
    return np.asarray(tensor[list(rows)][:, list(columns)], dtype=np.float64).sum(axis=(2, 3))


def equivariant_weights(evidence: Evidence) -> Finding:
    """Finding 2: between consecutive layers' curve units, the summed weight follows cos Δθ."""
    title, claim = (
        "Equivariant weights",
        (
            "Between the curve units of two consecutive layers, the weight summed over kernel positions correlates "
            f"with the cosine of their difference in preferred orientation at r ≥ {c.MIN_EQUIVARIANCE_R}."
        ),
    )
    thresholds = {"r": c.MIN_EQUIVARIANCE_R, "units_per_layer": c.MIN_PAIR_UNITS}
    if not evidence.weights:
        reason = "this store holds no weight tensors between layers"
        return finding(
            "equivariant_weights", title, claim, verdict=NOT_MEASURABLE, reason=reason, thresholds=thresholds
        )
    rows, plots = [], {}
    for earlier, later in _pairs(evidence):
        into, out_of = evidence.curve_units.get(later.name, {}), evidence.curve_units.get(earlier.name, {})
        row: dict[str, Any] = {
            "from": earlier.name,
            "to": later.name,
            "units_from": len(out_of),
            "units_to": len(into),
            "r": None,
        }
        if len(into) >= c.MIN_PAIR_UNITS and len(out_of) >= c.MIN_PAIR_UNITS:
            weights = summed(evidence, later.name, list(into), list(out_of))
            r, points = c.equivariance(weights, np.array(list(into.values())), np.array(list(out_of.values())))
            row["r"] = None if r is None else round(r, 4)
            bins = c.binned_means(points)
            profile = c.profile_r(bins)
            row["profile_r"] = None if profile is None else round(profile, 4)
            plots[later.name] = {"from": earlier.name, "to": later.name, "bins": bins}
            if len(points) <= c.MAX_PLOT_PAIRS:  # each pair a dot: how far pairs stray from their bin's mean
                names = [f"{earlier.name}:{u} → {later.name}:{v}" for v in into for u in out_of]  # points' order
                dots = [[round(float(d), 1), round(float(w), 5), n] for (d, w), n in zip(points, names, strict=True)]
                plots[later.name]["points"] = dots
        rows.append(row)
    measured = [r for r in rows if r["r"] is not None]
    best = max(measured, key=lambda r: r["r"], default=None)
    shown = ("from", "to", "r", "profile_r")
    numbers = {key: best[key] for key in shown} if best else {"r": None}
    reason = None if best else f"no two consecutive layers both hold {c.MIN_PAIR_UNITS} curve units (finding 1's)"
    links = [link("weights", f"weights {r['from']} → {r['to']}", layer=r["to"]) for r in measured]
    if best:
        groups = [[n, by_orientation(evidence.curve_units[n])] for n in (best["from"], best["to"])]
        links.append(link("circuit", f"the curve units of {best['from']} → {best['to']} by orientation", groups=groups))
    verdict = PASSED if best and best["r"] >= c.MIN_EQUIVARIANCE_R else FAILED
    plot = plots[best["to"]] if best else None
    return finding(
        "equivariant_weights",
        title,
        claim,
        verdict=verdict,
        reason=reason,
        numbers=numbers,
        thresholds=thresholds,
        rows=rows,
        links=links,
        plot=plot,
    )
