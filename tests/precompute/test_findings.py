"""The findings stage on a small precomputed store: every finding stored, those the store cannot support say why, and
a re-run with the same settings measures nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from precompute.findings import findings_stage, peers_of, universality, update_peer
from precompute.findings_measure import FAILED, NOT_MEASURABLE, PASSED, finding
from precompute.zoo import load_model
from store.reader import StoreReader
from store.records import ModelRecord
from store.writer import StoreWriter
from tests.conftest import TOY_CLASSES, TOY_MODEL

KEYS = [
    "curve_detectors",
    "equivariant_weights",
    "colour_vs_bw",
    "branch_specialization",
    "centre_surround",
    "universality",
]


@pytest.fixture
def small_copy(small_reference: Path, tmp_path: Path) -> Path:
    """A copy of the small reference store (a random CIFAR ResNet-20 on three colour classes), to write to."""
    root = tmp_path / "store"
    shutil.copytree(small_reference, root)
    return root


def test_the_pipeline_stores_every_finding_and_those_it_cannot_measure_say_why(small_reference: Path) -> None:
    found = StoreReader(small_reference).findings("cifar-resnet20")
    assert [f["key"] for f in found] == KEYS  # type: ignore[union-attr]
    by_key = {f["key"]: f for f in found}  # type: ignore[union-attr]
    assert by_key["curve_detectors"]["verdict"] == NOT_MEASURABLE  # its images are labelled reds, greens, blues
    assert "curve" in by_key["curve_detectors"]["reason"]
    assert by_key["branch_specialization"]["verdict"] == NOT_MEASURABLE
    assert "branches" in by_key["branch_specialization"]["reason"]
    assert by_key["universality"]["reason"] == "no second network trained on this world in this store"
    for f in found:  # type: ignore[union-attr]
        assert f["verdict"] in (PASSED, FAILED, NOT_MEASURABLE) and f["thresholds"]
        assert f["verdict"] != NOT_MEASURABLE or f["reason"]
    colour = by_key["colour_vs_bw"]
    assert colour["verdict"] in (PASSED, FAILED) and 0.0 <= colour["numbers"]["colour_share"] <= 1.0


def test_a_rerun_with_the_same_settings_measures_nothing_and_other_settings_measure_again(
    small_copy: Path, random_resnet20: Path
) -> None:
    model = load_model("cifar-resnet20", random_resnet20)
    with StoreWriter(small_copy) as writer:
        assert findings_stage(model, writer, progress=False) is None
        stored = writer.reader.findings_settings(model.id)
        writer.put_findings(model.id, [], {**stored, "version": 0})  # type: ignore[dict-item]
        assert len(findings_stage(model, writer, progress=False) or []) == len(KEYS)
        assert writer.reader.findings_settings(model.id) == stored
    assert len(StoreReader(small_copy).findings(model.id) or []) == len(KEYS)


def test_universality_passes_only_when_this_model_and_another_grow_curve_detectors() -> None:
    grown, not_grown = finding("curve_detectors", "", "", verdict=PASSED), finding("curve_detectors", "", "")
    assert universality(grown, {"other": grown})["verdict"] == PASSED
    assert universality(grown, {"other": not_grown})["verdict"] == FAILED
    assert universality(not_grown, {"other": grown})["verdict"] == FAILED
    assert universality(grown, {})["reason"] == "no second network trained on this world in this store"


def test_a_model_joining_the_store_updates_its_peers_universality(toy_store: Path, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(toy_store, root)
    grown = finding("curve_detectors", "", "", verdict=PASSED)
    with StoreWriter(root) as writer:
        writer.put_model(ModelRecord("twin", "Twin", "toy", "1" * 64, {"size": 8}, list(reversed(TOY_CLASSES))))
        writer.put_model(ModelRecord("stranger", "Other world", "toy", "2" * 64, {"size": 8}, ["cat", "dog"]))
        writer.put_findings(TOY_MODEL, [grown, universality(grown, {})], {"version": 1})
        reader = StoreReader(root)
        assert [m for m, _ in peers_of(reader, "twin")] == [TOY_MODEL]
        update_peer(reader, writer, TOY_MODEL, "twin", grown)
        reader.engine.dispose()
    updated = StoreReader(root).findings(TOY_MODEL)[1]  # type: ignore[index]
    assert updated["verdict"] == PASSED and updated["numbers"]["peers"] == 1
    assert updated["rows"] == [{"model": "twin", "curve_detectors": PASSED}]
