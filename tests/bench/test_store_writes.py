"""bench/store_writes.py: its baseline writer (a merge per file) and the writer as it is store the same rows and
files, so the ratio it prints compares like with like."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from bench import store_writes as bench
from store.writer import StoreWriter


def _stored(folder: Path) -> tuple[list[tuple], list[tuple], list[str]]:
    with sqlite3.connect(folder / "microscope.sqlite") as db:
        assets = db.execute("SELECT sha256, ext, width, height, size_bytes FROM assets ORDER BY sha256").fetchall()
        examples = db.execute("SELECT rank, asset_sha256 FROM dataset_examples ORDER BY rank").fetchall()
    return assets, examples, sorted(p.name for p in (folder / "assets").rglob("*.png"))


def test_the_merging_baseline_and_the_writer_store_the_same_assets_and_examples(tmp_path: Path) -> None:
    records = bench.crops(units=2, per_unit=3, seed=0)
    records += [replace(r, rank=r.rank + 3) for r in records[:2]]  # a crop two examples share: stored once
    stored = []
    for writer_type in (bench.MergingWriter, StoreWriter):
        folder = tmp_path / writer_type.__name__
        bench.write_examples(writer_type, records, units=2, per_unit=3, folder=folder)
        stored.append(_stored(folder))
    assert stored[0] == stored[1]
    assert len(stored[0][0]) == 6 and len(stored[0][1]) == 8


def test_the_webp_side_encodes_every_picture_at_both_efforts() -> None:
    images = bench.pictures(None, 3)
    for method in (4, 0):
        seconds, size = bench.encode_webp(images, method)
        assert seconds > 0 and size > 3 * 100
