"""A disk that fills while a store is written: one clear error, every committed write kept, no partial file, and
writing resumes once space is freed."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.exc import DBAPIError

from store.db import StoreFullError, database_path
from store.integrity import check_store
from store.kinds import VisKey
from store.records import EncodedImage, FeatureVisRecord, LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests.disk import Tmpfs

MODEL = ModelRecord("net", "Net", "toy", "a" * 64, {"size": 8}, ["cat", "dog"])
LAYER = LayerRecord("conv", 0, "conv", 400, 4, 4, 3, 1.0, None)
FREED = 16 << 20  # bytes of the disk once space is freed


def _noise_png(seed: int, side: int) -> EncodedImage:
    """An incompressible PNG of about 3·side² bytes."""
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return EncodedImage(buffer.getvalue(), "png", side, side)


def _vis(unit: int, filling: str) -> FeatureVisRecord:
    """A record whose asset file (large noise) or database row (large settings, one shared tiny image) fills."""
    if filling == "asset files":
        return FeatureVisRecord(unit, VisKey.parse("channel"), f"channel(conv:{unit})", _noise_png(unit, 256), 1.0, {})
    settings = {"padding": hashlib.sha256(str(unit).encode()).hexdigest() * 1000}  # 64 kB the log must take
    return FeatureVisRecord(unit, VisKey.parse("channel"), f"channel(conv:{unit})", _noise_png(0, 4), 1.0, settings)


def _feature_vis_rows(disk: Tmpfs) -> int:
    connection = sqlite3.connect(f"file:{database_path(disk.path / 'store')}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM feature_vis").fetchone()[0]
    finally:
        connection.close()


def _fill(disk: Tmpfs, filling: str) -> tuple[int, StoreFullError]:
    """Write one unit's image at a time until the disk is full: how many were written, and the error."""
    written = 0
    with pytest.raises(StoreFullError) as raised, StoreWriter(disk.path / "store") as writer:
        writer.put_model(MODEL)
        writer.put_layers(MODEL.id, [LAYER])
        for unit in range(LAYER.units):
            writer.put_feature_vis(MODEL.id, LAYER.name, [_vis(unit, filling)])
            written += 1
    return written, raised.value


@pytest.mark.parametrize("filling", ["asset files", "database log"])
def test_a_full_disk_raises_one_error_naming_the_store_and_keeps_every_committed_write(
    small_disk: Tmpfs, filling: str
) -> None:
    written, error = _fill(small_disk, filling)
    assert written > 0
    assert str(small_disk.path / "store") in str(error) and "no space left on device" in str(error)
    assert "resumes" in str(error)
    # The write that failed is the one the error came from: a file write, or the database's log.
    assert isinstance(error.__cause__, OSError if filling == "asset files" else DBAPIError)
    small_disk.resize(FREED)
    report = check_store(small_disk.path / "store", verify_hashes=True)
    assert report.ok, report.problems
    assert _feature_vis_rows(small_disk) == written  # every put that returned was kept; the failed one is absent


@pytest.mark.parametrize("filling", ["asset files", "database log"])
def test_a_full_disk_leaves_no_partial_asset_file(small_disk: Tmpfs, filling: str) -> None:
    _fill(small_disk, filling)
    small_disk.resize(FREED)
    files = [path for path in (small_disk.path / "store" / "assets").rglob("*") if path.is_file()]
    assert files
    for path in files:  # every file is whole: its name is the hash of its content
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem, path


@pytest.mark.parametrize("filling", ["asset files", "database log"])
def test_writing_resumes_after_space_is_freed_and_finalizes_the_store(small_disk: Tmpfs, filling: str) -> None:
    written, _ = _fill(small_disk, filling)
    small_disk.resize(FREED)
    with StoreWriter(small_disk.path / "store") as writer:
        writer.put_feature_vis(MODEL.id, LAYER.name, [_vis(written, filling)])
    assert _feature_vis_rows(small_disk) == written + 1
    assert not os.path.exists(f"{database_path(small_disk.path / 'store')}-wal")  # merged: readable read-only
    assert check_store(small_disk.path / "store", verify_hashes=True).ok
