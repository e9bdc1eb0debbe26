"""Damaged stores: a truncated, overwritten or corrupted database, or missing images, is one clear message."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from store.db import StoreDamagedError, StoreFormatError, database_path, folder_url, format_version, open_for_writing
from store.integrity import SHOWN_PER_KIND, Report, check_store
from store.paths import ASSETS_DIR
from store.reader import StoreReader

PAGE = 4096  # SQLite's default page size, which the toy store has


@pytest.fixture
def store(toy_store: Path, tmp_path: Path) -> Path:
    """A private copy of the finished toy store to damage."""
    return Path(shutil.copytree(toy_store, tmp_path / "store"))


def truncate_to_half(root: Path) -> None:
    """Cut the database file to half its size, as an interrupted copy leaves it."""
    path = database_path(root)
    os.truncate(path, path.stat().st_size // 2)


def overwrite_page(root: Path, page: int) -> None:
    """Overwrite one page (numbered from 1) of the database with garbage."""
    with database_path(root).open("r+b") as handle:
        handle.seek((page - 1) * PAGE)
        handle.write(bytes(range(256)) * (PAGE // 256))


def table_page(root: Path, table: str) -> int:
    """The page holding the root of `table` (all of a small table's rows)."""
    with sqlite3.connect(database_path(root)) as connection:
        (page,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    connection.close()
    return page


def stamp(root: Path, revision: str) -> None:
    """Record another format version in the store, as a newer microscope would."""
    with sqlite3.connect(database_path(root)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.close()


def test_truncated_database_is_named_with_what_to_do(store: Path) -> None:
    truncate_to_half(store)
    for open_store in (StoreReader, check_store, lambda root: open_for_writing(folder_url(root))):
        with pytest.raises(StoreDamagedError, match="is truncated") as caught:
            open_store(store)
        assert str(database_path(store)) in str(caught.value)
        assert "restore it from a backup" in str(caught.value)


def test_file_that_is_no_sqlite_database_is_named_as_such(store: Path) -> None:
    database_path(store).write_bytes(b"<html>not a database</html>\n" * 200)
    with pytest.raises(StoreDamagedError, match="is not a SQLite database") as caught:
        StoreReader(store)
    assert str(database_path(store)) in str(caught.value)


def test_overwritten_page_fails_the_readers_verification_naming_the_file(store: Path) -> None:
    overwrite_page(store, table_page(store, "units"))
    reader = StoreReader(store)  # opening reads only the format version, on another page
    with pytest.raises(StoreDamagedError, match="restore it from a backup") as caught:
        reader.verify()
    reader.engine.dispose()
    assert str(database_path(store)) in str(caught.value)


def test_overwritten_page_is_a_few_problem_lines_in_check(store: Path) -> None:
    for table in ("units", "feature_vis", "dataset_examples", "connections"):
        overwrite_page(store, table_page(store, table))
    report = check_store(store)
    assert not report.ok
    assert all(str(database_path(store)) in problem for problem in report.problems)
    assert 1 <= len(report.summary()) <= SHOWN_PER_KIND + 1


def test_summary_lists_a_few_problems_per_kind_then_counts_the_rest() -> None:
    report = Report()
    for i in range(40):
        report.problem("asset file missing", f"asset file missing: {i}.png")
    report.problem("units", "toy-net/fc: units are not exactly 0..2 once each")
    assert report.summary() == [
        *(f"asset file missing: {i}.png" for i in range(SHOWN_PER_KIND)),
        f"… and {40 - SHOWN_PER_KIND} more of this kind (asset file missing)",
        "toy-net/fc: units are not exactly 0..2 once each",
    ]


def test_missing_asset_files_are_counted_not_all_listed(store: Path) -> None:
    for path in (store / ASSETS_DIR).glob("*/*"):
        path.unlink()
    report = check_store(store)
    assert len(report.problems) == 58  # 56 images and 2 weight tensors
    assert len(report.summary()) == SHOWN_PER_KIND + 1
    assert report.summary()[-1] == f"… and {58 - SHOWN_PER_KIND} more of this kind (asset file missing)"


def test_missing_asset_folder_is_one_problem_in_check_and_refused_by_the_reader(store: Path) -> None:
    shutil.rmtree(store / ASSETS_DIR)
    assert check_store(store).problems == [
        f"asset folder missing: {store / ASSETS_DIR} (copy the store's assets/ with it)"
    ]
    with pytest.raises(StoreDamagedError, match="asset folder .* is missing"):
        StoreReader(store)


@pytest.mark.parametrize("open_store", [StoreReader, check_store, lambda root: open_for_writing(folder_url(root))])
def test_store_of_a_newer_format_says_to_upgrade_naming_both_versions(store: Path, open_store: object) -> None:
    stamp(store, "9999")
    with pytest.raises(StoreFormatError) as caught:
        open_store(store)  # type: ignore[operator]
    message = str(caught.value)
    assert "9999" in message and format_version() in message
    assert "upgrade microscope" in message and "precompute --store" not in message
