"""Re-measure a store's findings from the store itself (its rows read here with SQL, its weights with numpy, the
curve renderings run again on the model) and hold each stored verdict to the numbers measured here."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from precompute import findings_checks as c
from precompute.findings_orientation import rendered_orientations
from precompute.zoo import LoadedModel
from store.reader import StoreReader
from store.scores import FAMILY_CLASSES

Rows = dict[str, dict[int, Any]]


def _rows(store: Path, query: str, model: str) -> list[tuple]:
    with sqlite3.connect(f"file:{store / 'microscope.sqlite'}?mode=ro", uri=True) as db:
        return db.execute(query, (model,)).fetchall()


def curve_class(store: Path, model: str) -> dict[str, list[int]]:
    """Each conv layer's units whose top examples are at least 75% labelled with a curve class."""
    classes = ", ".join(f"'{name}'" for name in FAMILY_CLASSES["curves"])
    query = (
        f'SELECT l.name, u."index", AVG(i.label IN ({classes})) FROM dataset_examples e '
        "JOIN units u ON u.id = e.unit_id "
        "JOIN layers l ON l.id = u.layer_id JOIN dataset_images i ON i.id = e.image_id "
        'WHERE l.model_id = ? AND l.kind = \'conv\' GROUP BY l.name, u."index" ORDER BY u."index"'
    )
    found: dict[str, list[int]] = {}
    for layer, unit, share in _rows(store, query, model):
        if share >= c.CURVE_CLASS_SHARE:
            found.setdefault(layer, []).append(unit)
    return found


def scores(store: Path, model: str, name: str) -> Rows:
    """A score of every unit, by layer and unit."""
    query = (
        'SELECT l.name, u."index", s.value FROM unit_scores s JOIN units u ON u.id = s.unit_id '
        f"JOIN layers l ON l.id = u.layer_id WHERE l.model_id = ? AND s.score = '{name}'"
    )
    found: Rows = {}
    for layer, unit, value in _rows(store, query, model):
        found.setdefault(layer, {})[unit] = value
    return found


def branches(store: Path, model: str) -> Rows:
    """Each unit's branch, by layer and unit."""
    query = (
        'SELECT l.name, u."index", u.branch FROM units u JOIN layers l ON l.id = u.layer_id '
        "WHERE l.model_id = ? AND u.branch IS NOT NULL"
    )
    found: Rows = {}
    for layer, unit, branch in _rows(store, query, model):
        found.setdefault(layer, {})[unit] = branch
    return found


def covers(angles: list[float]) -> float:
    """360° − the widest gap between neighbouring angles."""
    ordered = sorted(a % 360 for a in angles)
    return 360.0 - float(np.diff([*ordered, ordered[0] + 360]).max()) if ordered else 0.0


def curve_units(store: Path, model: LoadedModel) -> dict[str, dict[int, float]]:
    """Finding 1's units, measured again: orientation-selective curve-class units whose orientation holds across the
    renderings."""
    reader = StoreReader(store)
    selectivity = scores(store, model.id, "orientation_selectivity")
    chosen = {
        layer: kept
        for layer, units in curve_class(store, model.id).items()
        if (kept := [u for u in units if selectivity.get(layer, {}).get(u, 0.0) >= c.MIN_SELECTIVITY])
    }
    layers = [layer for layer in reader.model(model.id).layers if layer.name in chosen]  # type: ignore[union-attr]
    rendered = rendered_orientations(model, layers, chosen)  # type: ignore[arg-type]
    found = {}
    for layer, units in chosen.items():
        held = {u: c.stable_orientation(row) for u, row in zip(units, rendered[layer], strict=True)}
        found[layer] = {u: a for u, a in held.items() if a is not None}
    return found


def check_curve_detectors(stored: dict, units: dict[str, dict[int, float]]) -> None:
    """The stored layer's units and coverage are those measured here; passed iff some layer meets both bounds."""
    t = stored["thresholds"]
    passing = [n for n, u in units.items() if len(u) >= t["units"] and covers(list(u.values())) >= t["covers"]]
    assert (stored["verdict"] == "passed") == bool(passing), (stored["verdict"], passing)
    layer = stored["numbers"].get("layer")
    if layer is not None:
        assert stored["numbers"]["units"] == len(units[layer])
        assert stored["numbers"]["covers"] == pytest.approx(covers(list(units[layer].values())), abs=0.1)


def check_equivariance(stored: dict, units: dict[str, dict[int, float]], reader: StoreReader, model: str) -> None:
    """r recomputed from the stored tensor for the stored pair; passed iff r ≥ the threshold."""
    numbers = stored["numbers"]
    if numbers.get("r") is None:
        assert stored["verdict"] == "failed"
        return
    later, earlier = units[numbers["to"]], units[numbers["from"]]
    tensor = np.asarray(reader.tensor(reader.weights(model, numbers["to"])), dtype=np.float64)  # type: ignore[arg-type]
    summed = tensor[list(later)][:, list(earlier)].sum(axis=(2, 3))
    delta = np.array(list(later.values()))[:, None] - np.array(list(earlier.values()))[None, :]
    r = float(np.corrcoef(summed.ravel(), np.cos(np.deg2rad(delta)).ravel())[0, 1])
    assert numbers["r"] == pytest.approx(r, abs=1e-3)
    assert (stored["verdict"] == "passed") == (r >= stored["thresholds"]["r"])


def check_colour(stored: dict, store: Path, reader: StoreReader, model: str) -> None:
    """The colour share of the stored layer and the stored SVD component's r, recomputed; the verdict from them."""
    numbers, t = stored["numbers"], stored["thresholds"]
    bw = scores(store, model, "bw_ratio")
    share = np.mean([v < t["bw_ratio"] for v in bw[numbers["layer"]].values()])
    assert numbers["colour_share"] == pytest.approx(share, abs=1e-4)
    r = 0.0
    if numbers.get("to"):
        svd = reader.weights(model, numbers["to"]).svd  # type: ignore[union-attr]
        later = numbers["side"].startswith("later")
        layer, loadings = (numbers["to"], svd.dst) if later else (numbers["from"], svd.src)
        units = sorted(bw[layer])
        column = np.asarray(loadings)[units, numbers["component"] - 1]
        r = float(np.corrcoef(column, [bw[layer][u] for u in units])[0, 1])
        assert numbers["r"] == pytest.approx(r, abs=1e-3)
    best_share = max(
        np.mean([v < t["bw_ratio"] for v in bw[n].values()]) for n in [row["layer"] for row in stored["rows"]]
    )
    assert (stored["verdict"] == "passed") == (best_share >= t["share"] and abs(r) >= t["r"])


def check_branches(stored: dict, store: Path, units: dict[str, dict[int, float]], model: str) -> None:
    """The stored layer's top branch share of its curve units recomputed; passed needs it ≥ the threshold."""
    numbers, t = stored["numbers"], stored["thresholds"]
    if stored["verdict"] == "not measurable":  # a network without parallel branches
        assert "branch" in stored["reason"] and not numbers
        return
    layer = numbers["layer"]
    chosen = (
        list(units.get(layer, {}))
        if len(units.get(layer, {})) >= t["units"]
        else curve_class(store, model).get(layer, [])
    )
    held = [branches(store, model)[layer][u] for u in chosen]
    top = max(held.count(b) for b in set(held)) / len(held) if held else None
    assert numbers["curve_units"] == len(chosen)
    assert numbers["top_share"] == (None if top is None else pytest.approx(top, abs=1e-4))
    if stored["verdict"] == "passed":
        assert top is not None and top >= t["branch_share"] and numbers["enrichment"] > 0


def check_all(store: Path, model: LoadedModel) -> dict[str, str]:
    """Hold every stored finding of `model` to the numbers measured here; the verdicts by key."""
    reader = StoreReader(store)
    stored = {f["key"]: f for f in reader.findings(model.id) or []}
    units = curve_units(store, model)
    check_curve_detectors(stored["curve_detectors"], units)
    check_equivariance(stored["equivariant_weights"], units, reader, model.id)
    check_colour(stored["colour_vs_bw"], store, reader, model.id)
    check_branches(stored["branch_specialization"], store, units, model.id)
    surround = stored["centre_surround"]
    found = surround["numbers"].get("copies", 0) >= surround["thresholds"]["copies"]
    found = found and surround["numbers"].get("covers", 0) >= surround["thresholds"]["covers"]
    assert (surround["verdict"] == "passed") == found or surround["verdict"] == "not measurable"
    peers = [m for m in reader.models() if m.id != model.id and sorted(m.class_labels) == sorted(model.class_labels)]
    assert stored["universality"]["numbers"]["peers"] == len(peers)
    assert stored["universality"]["verdict"] == "failed" or (peers and stored["curve_detectors"]["verdict"] == "passed")
    return {key: f["verdict"] for key, f in stored.items()}
