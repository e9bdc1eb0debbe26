"""The findings about colour: colour vs black and white, branch specialization, colour contrast into centre-surround."""

from __future__ import annotations

from typing import Any

import numpy as np

from precompute import findings_checks as c
from precompute.findings_measure import FAILED, NOT_MEASURABLE, PASSED, Evidence, finding, link, summed
from store.findings_read import Finding
from store.scores import BW_RATIO, ORIENTATION, ORIENTATION_SELECTIVITY


def colour_vs_bw(evidence: Evidence) -> Finding:
    """Finding 3: early layers hold colour units, and an early SVD component sorts units by colour."""
    title, claim = (
        "Colour vs black and white",
        (
            f"In one of the first {c.EARLY_LAYERS} layers at least {c.MIN_COLOUR_SHARE:.0%} of the units holding a "
            f"bw_ratio have bw_ratio < {c.COLOUR_BW_RATIO}, and one of the first {c.SVD_COMPONENTS} SVD components of "
            f"a pair of early layers correlates with bw_ratio at |r| ≥ {c.MIN_SVD_R}. A unit's loading on a component "
            "is its row of U (the later layer's units) or of V (the earlier layer's) in the SVD of |W| summed over "
            "space, as the SVD page shows it; it is correlated with the same units' bw_ratio."
        ),
    )
    thresholds = {"bw_ratio": c.COLOUR_BW_RATIO, "share": c.MIN_COLOUR_SHARE, "r": c.MIN_SVD_R}
    early = [layer.name for layer in evidence.layers if layer.parent is None][: c.EARLY_LAYERS]  # not branch layers
    shares = {name: c.colour_share(evidence.score(name, BW_RATIO.name)) for name in early}
    measured = {name: share for name, share in shares.items() if evidence.score(name, BW_RATIO.name)}
    if not measured:
        reason = "no early layer of this store has bw_ratio scores (precompute ran without dataset images)"
        return finding("colour_vs_bw", title, claim, verdict=NOT_MEASURABLE, reason=reason, thresholds=thresholds)
    rows: list[dict[str, Any]] = [{"layer": n, "colour_share": round(s, 4)} for n, s in measured.items()]
    best_layer = max(measured, key=lambda n: measured[n])
    svd = _best_component(evidence, early)
    numbers = {"layer": best_layer, "colour_share": round(measured[best_layer], 4), **svd}
    verdict = measured[best_layer] >= c.MIN_COLOUR_SHARE and abs(svd.get("r") or 0.0) >= c.MIN_SVD_R
    links = [link("weights", f"SVD of {svd['from']} → {svd['to']}", layer=svd["to"])] if "to" in svd else []
    links.append(link("layer", f"{best_layer} sorted by bw_ratio", layer=best_layer, sort=BW_RATIO.name))
    return finding(
        "colour_vs_bw",
        title,
        claim,
        verdict=PASSED if verdict else FAILED,
        numbers=numbers,
        thresholds=thresholds,
        rows=rows,
        links=links,
    )


def _best_component(evidence: Evidence, early: list[str]) -> dict[str, Any]:
    """The early pair, side, component and r of the loading that correlates best with bw_ratio ({"r": None}: none)."""
    best: dict[str, Any] = {"r": None}
    for name in early[1:]:
        view = evidence.weights.get(name)
        if view is None or view.source not in early:
            continue
        for side, layer, loadings in (("later (U)", name, view.svd.dst), ("earlier (V)", view.source, view.svd.src)):
            rs = c.loading_correlations(np.asarray(loadings, dtype=np.float64), evidence.score(layer, BW_RATIO.name))
            for k, r in enumerate(rs):
                if r is not None and abs(r) > abs(best["r"] or 0.0):
                    best = {"r": round(r, 4), "from": view.source, "to": name, "side": side, "component": k + 1}
    return best


def branch_specialization(evidence: Evidence) -> Finding:
    """Finding 4: one branch of a mixed layer holds its curve units, another is enriched for colour units."""
    title, claim = (
        "Branch specialization",
        (
            f"In a layer of parallel branches, one branch holds at least {c.MIN_BRANCH_SHARE:.0%} of the layer's curve "
            f"units, and another branch has a larger share of colour units (bw_ratio < {c.COLOUR_BW_RATIO}) than the "
            f"layer as a whole. Curve units are finding 1's where the layer has at least {c.MIN_PAIR_UNITS}, else the "
            f"units whose top examples are at least {c.CURVE_CLASS_SHARE:.0%} curves."
        ),
    )
    thresholds = {"branch_share": c.MIN_BRANCH_SHARE, "bw_ratio": c.COLOUR_BW_RATIO, "units": c.MIN_PAIR_UNITS}
    if not evidence.branches:
        reason = "no layer of this model is made of parallel branches"
        return finding(
            "branch_specialization", title, claim, verdict=NOT_MEASURABLE, reason=reason, thresholds=thresholds
        )
    rows = [_branch_row(evidence, layer.name) for layer in evidence.layers if layer.name in evidence.branches]
    passing = [r for r in rows if _branch_passes(r)]
    best = (passing or sorted(rows, key=lambda r: -(r["top_share"] or 0.0)))[0]
    numbers = {k: best[k] for k in ("layer", "curve_units", "top_branch", "top_share", "colour_branch", "enrichment")}
    links = [link("branches", f"{r['layer']} by branch", layer=r["layer"]) for r in rows]
    verdict = PASSED if passing else FAILED
    return finding(
        "branch_specialization",
        title,
        claim,
        verdict=verdict,
        numbers=numbers,
        thresholds=thresholds,
        rows=rows,
        links=links,
    )


def _branch_row(evidence: Evidence, layer: str) -> dict[str, Any]:
    stable = list(evidence.curve_units.get(layer, {}))
    chosen, source = (
        (stable, "finding 1")
        if len(stable) >= c.MIN_PAIR_UNITS
        else (evidence.curve_class.get(layer, []), "top examples")
    )
    shares = c.branch_shares(chosen, evidence.branches[layer])
    top = next(iter(shares), None)
    enriched = {
        b: e
        for b, e in c.colour_enrichment(evidence.branches[layer], evidence.score(layer, BW_RATIO.name)).items()
        if b != top
    }
    colour = max(enriched, key=lambda b: enriched[b], default=None)
    return {
        "layer": layer,
        "curve_units": len(chosen),
        "curve_units_from": source,
        "top_branch": top,
        "top_share": None if top is None else round(shares[top], 4),
        "colour_branch": colour,
        "enrichment": None if colour is None else round(enriched[colour], 4),
    }


def _branch_passes(row: dict[str, Any]) -> bool:
    enough = row["curve_units"] >= c.MIN_PAIR_UNITS and (row["top_share"] or 0.0) >= c.MIN_BRANCH_SHARE
    return enough and (row["enrichment"] or 0.0) > 0.0


def centre_surround(evidence: Evidence) -> Finding:
    """Finding 5 (reported, not required): a rotation-invariant unit built from rotated colour-contrast units."""
    title, claim = (
        "Colour contrast into centre-surround",
        (
            f"A unit with orientation selectivity below {c.ROTATION_INVARIANT} has, among its {c.STRONGEST_INPUTS} "
            f"strongest positive inputs (weights summed over kernel positions), at least {c.MIN_ROTATED_COPIES} "
            f"colour-contrast units (bw_ratio < {c.COLOUR_BW_RATIO}, orientation selectivity ≥ {c.ORIENTED}) whose "
            f"preferred orientations cover at least {c.MIN_COPIES_COVERAGE:.0f}° of the circle: rotated copies."
        ),
    )
    thresholds = {
        "invariant_below": c.ROTATION_INVARIANT,
        "bw_ratio": c.COLOUR_BW_RATIO,
        "oriented": c.ORIENTED,
        "copies": c.MIN_ROTATED_COPIES,
        "covers": c.MIN_COPIES_COVERAGE,
    }
    best: dict[str, Any] = {"copies": 0, "covers": 0.0}
    measured = False
    for name, view in evidence.weights.items():
        colour = _colour_contrast(evidence, view.source)
        selectivity = evidence.score(name, ORIENTATION_SELECTIVITY.name)
        invariant = [u for u, s in selectivity.items() if s < c.ROTATION_INVARIANT]
        measured = measured or bool(selectivity and evidence.score(view.source, BW_RATIO.name))
        if not colour or not invariant:
            continue
        rows = summed(evidence, name, invariant, range(view.shape[1]))
        for unit, row in zip(invariant, rows, strict=True):
            copies, covers = c.rotated_copies(c.strongest_inputs(row), colour)
            if (len(copies), covers) > (best["copies"], best["covers"]):
                best = {
                    "layer": name,
                    "unit": unit,
                    "from": view.source,
                    "copies": len(copies),
                    "covers": round(covers, 1),
                    "inputs": copies,
                }
    required = {"required": False, "thresholds": thresholds}
    if not measured:
        reason = "no layer joined by stored weights has tuning scores and bw_ratio scores in the layer before it"
        return finding("centre_surround", title, claim, verdict=NOT_MEASURABLE, reason=reason, **required)
    found = best["copies"] >= c.MIN_ROTATED_COPIES and best["covers"] >= c.MIN_COPIES_COVERAGE
    links = []
    if "unit" in best:
        links.append(link("unit", f"{best['layer']}:{best['unit']}", layer=best["layer"], unit=best["unit"]))
        groups = (
            [[best["from"], best["inputs"]], [best["layer"], [best["unit"]]]]
            if best["inputs"]
            else [[best["layer"], [best["unit"]]]]
        )
        links.append(link("circuit", "the unit and its colour-contrast inputs", groups=groups))
    numbers = {k: v for k, v in best.items() if k != "inputs"}
    return finding(
        "centre_surround", title, claim, verdict=PASSED if found else FAILED, numbers=numbers, links=links, **required
    )


def _colour_contrast(evidence: Evidence, layer: str) -> dict[int, float]:
    """{unit: preferred orientation} of a layer's oriented colour units."""
    bw = evidence.score(layer, BW_RATIO.name)
    selectivity = evidence.score(layer, ORIENTATION_SELECTIVITY.name)
    orientation = evidence.score(layer, ORIENTATION.name)
    return {
        u: orientation[u]
        for u, v in bw.items()
        if v < c.COLOUR_BW_RATIO and selectivity.get(u, 0.0) >= c.ORIENTED and u in orientation
    }
