"""check_store: a sound store passes with counts; missing rows and files are problems, orphan files notes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from store.db import StoreFormatError, database_path
from store.integrity import check_store
from store.location import StoreLocation
from store.paths import ASSETS_DIR, asset_path
from store.reader import StoreReader
from store.records import LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests import postgres

TOY = "toy-net"  # tests/conftest.py: conv1 (4 units) → block1 (6) → fc (3), 3 examples per unit
TOY_COUNTS = {
    "models": 1,
    "layers": 3,
    "units": 13,
    "feature_vis": 13 + 4,  # block1:2 also has neuron, negative and a diversity set of two
    "dataset_examples": 39,
    "connections": 4 * 6 + 6 * 3,
    "weight_tensors": 2,  # conv1 → block1, block1 → fc
    "unit_scores": 6,  # block1's bw_ratio
    "unit_curves": 12,  # block1's orientation and curvature curves
    "range_examples": 24,  # block1: 2 bottom and 2 quantile samples per unit
    "activation_stats": 6,
    "assets": 13 + 4 + 39 + 2,
}


@pytest.fixture
def store(toy_store: Path, tmp_path: Path) -> Path:
    """A private copy of the toy store to tamper with (the shared one stays intact)."""
    # A fresh -shm index is rebuilt from the copied -wal; a copied one could describe another process's state.
    return Path(shutil.copytree(toy_store, tmp_path / "store", ignore=shutil.ignore_patterns("*-shm")))


def _execute(root: Path, statement: str) -> None:
    """Tamper with the database behind the store code's back."""
    connection = sqlite3.connect(database_path(root))
    try:
        connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _finish_feature_vis(root: Path) -> None:
    writer = StoreWriter(root)
    for layer in ("conv1", "block1", "fc"):
        writer.finish_stage(TOY, layer, "feature_vis", {})
    writer.engine.dispose()


def _some_asset(root: Path) -> Path:
    reader = StoreReader(root)
    thumbnail = reader.units(TOY, "block1")[2].thumbnail
    reader.engine.dispose()
    assert thumbnail is not None
    return asset_path(root / ASSETS_DIR, thumbnail.sha256, thumbnail.ext)


def test_toy_store_checks_ok_with_counts(store: Path) -> None:
    report = check_store(store)
    assert report.ok, report.problems
    assert report.counts == TOY_COUNTS


def test_toy_store_checks_ok_with_hashes_verified(store: Path) -> None:
    assert check_store(store, verify_hashes=True).ok


def test_finished_feature_vis_stage_with_every_unit_rendered_checks_ok(store: Path) -> None:
    _finish_feature_vis(store)
    report = check_store(store)
    assert report.ok, report.problems
    assert not any("feature_vis" in note for note in report.notes)


def test_unfinished_stage_is_a_note(store: Path) -> None:
    _execute(store, "DELETE FROM stages WHERE stage = 'examples'")
    report = check_store(store)
    assert report.ok
    assert any("toy-net/conv1" in note and "examples" in note for note in report.notes)


def test_missing_asset_file_is_a_problem(store: Path) -> None:
    path = _some_asset(store)
    path.unlink()
    report = check_store(store)
    assert not report.ok
    assert report.problems == [f"asset file missing: {path}"]


def test_missing_feature_vis_row_is_a_problem_naming_the_layer(store: Path) -> None:
    _finish_feature_vis(store)
    _execute(
        store,
        "DELETE FROM feature_vis WHERE unit_id = (SELECT u.id FROM units u JOIN layers l ON l.id = u.layer_id "
        "WHERE l.name = 'block1' AND u.[index] = 3)",
    )
    report = check_store(store)
    assert not report.ok
    assert len(report.problems) == 1
    assert "toy-net/block1" in report.problems[0]
    assert "5/6" in report.problems[0]


def test_objective_a_finished_stage_lists_but_a_unit_lacks_is_a_problem(store: Path) -> None:
    writer = StoreWriter(store)
    for layer in ("conv1", "block1", "fc"):
        writer.finish_stage(TOY, layer, "feature_vis", {"objectives": ["channel", "negative"]})
    writer.engine.dispose()
    report = check_store(store)
    assert not report.ok
    assert f"{TOY}/conv1: feature_vis finished but 0/4 units have a negative image" in report.problems
    assert not any("channel image" in problem for problem in report.problems)


def test_missing_unit_row_is_a_problem_naming_the_layer(store: Path) -> None:
    _execute(store, "DELETE FROM units WHERE [index] = 5 AND layer_id = (SELECT id FROM layers WHERE name = 'block1')")
    report = check_store(store)
    assert any(p.startswith("toy-net/block1: units") for p in report.problems), report.problems


def test_missing_dataset_example_is_a_problem_naming_the_layer(store: Path) -> None:
    _execute(
        store,
        "DELETE FROM dataset_examples WHERE rank = 1 AND unit_id = (SELECT u.id FROM units u "
        "JOIN layers l ON l.id = u.layer_id WHERE l.name = 'fc' AND u.[index] = 0)",
    )
    report = check_store(store)
    assert report.problems == ["toy-net/fc: dataset examples missing or ranks not contiguous"]


def test_row_referencing_unknown_asset_is_a_problem(store: Path) -> None:
    _execute(store, "UPDATE feature_vis SET asset_sha256 = '" + "f" * 64 + "' WHERE id = 1")
    report = check_store(store)
    assert "feature_vis: 1 rows reference unknown assets" in report.problems


def test_orphan_asset_file_is_a_note_not_a_problem(store: Path) -> None:
    orphan = store / ASSETS_DIR / "ff" / ("f" * 64 + ".png")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a killed run")
    report = check_store(store)
    assert report.ok, report.problems
    assert any(note.startswith("1 asset files no row references") for note in report.notes)


def test_verify_hashes_catches_a_corrupted_file(store: Path) -> None:
    path = _some_asset(store)
    path.write_bytes(b"bit rot")
    assert check_store(store).ok
    report = check_store(store, verify_hashes=True)
    assert report.problems == [f"asset file corrupt (hash mismatch): {path}"]


def test_checking_a_missing_store_raises_store_format_error(tmp_path: Path) -> None:
    with pytest.raises(StoreFormatError, match="run `microscope precompute`"):
        check_store(tmp_path)


def test_the_toy_store_passes_with_its_counts_on_each_backend(toy_location: StoreLocation) -> None:
    report = check_store(toy_location, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts == TOY_COUNTS


@pytest.mark.parametrize("backend", postgres.BACKENDS)
def test_a_store_with_units_but_no_asset_yet_has_no_dangling_rows(backend: str, tmp_path: Path) -> None:
    with postgres.store_location(backend, tmp_path) as location:
        writer = StoreWriter(location)
        writer.put_model(ModelRecord("m", "M", "toy", "c" * 64, {}, []))
        writer.put_layers("m", [LayerRecord("a", 0, "conv", 3, 2, 2, 3, 1.0, None)])
        writer.close()
        report = check_store(location)
    assert report.ok, report.problems  # no unit has a card yet: a null card is no reference
