"""`microscope assets sync`: assets copied by key, re-runs skip what is there, interruptions leave no partial file."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import sync
from store.paths import ASSETS_DIR
from store.sync import PARTIAL_PREFIX, AssetMismatch, asset_files, sync_assets
from tests.conftest import REPO, microscope


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def assets(toy_store: Path, tmp_path: Path) -> Path:
    """A copy of the toy store's asset folder (some tests damage it)."""
    return Path(shutil.copytree(toy_store / ASSETS_DIR, tmp_path / "assets"))


def test_sync_copies_every_asset_under_its_key(assets: Path, tmp_path: Path) -> None:
    summary = sync_assets(assets, tmp_path / "dest")
    assert _tree(tmp_path / "dest") == _tree(assets)
    assert summary.copied == len(asset_files(assets)) > 20 and summary.skipped == 0
    assert summary.bytes_copied == sum(len(data) for data in _tree(assets).values())


def test_a_second_sync_copies_nothing_and_touches_no_file(assets: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    sync_assets(assets, dest)
    mtimes = {p: p.stat().st_mtime_ns for p in dest.rglob("*")}
    summary = sync_assets(assets, dest)
    assert (summary.copied, summary.bytes_copied, summary.skipped) == (0, 0, len(asset_files(assets)))
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*")} == mtimes


def test_a_damaged_copy_at_the_destination_is_replaced(assets: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    sync_assets(assets, dest)
    first = asset_files(dest)[0]
    first.path.write_bytes(b"\0" * first.size)  # same size, wrong bytes
    asset_files(dest)[1].path.write_bytes(b"short")
    summary = sync_assets(assets, dest)
    assert summary.copied == 2 and _tree(dest) == _tree(assets)


def test_other_files_in_the_asset_folder_are_not_copied(assets: Path, tmp_path: Path) -> None:
    (assets / "notes.txt").write_text("not an asset")
    (assets / "ab").mkdir(exist_ok=True)
    (assets / "ab" / ".tmp-123").write_bytes(b"a writer's temporary file")
    sync_assets(assets, tmp_path / "dest")
    assert not (tmp_path / "dest" / "notes.txt").exists() and not (tmp_path / "dest" / "ab" / ".tmp-123").exists()


def test_a_source_file_that_does_not_match_its_name_stops_the_sync(assets: Path, tmp_path: Path) -> None:
    damaged = asset_files(assets)[0]
    damaged.path.write_bytes(b"bit rot")
    with pytest.raises(AssetMismatch, match="microscope check --hashes"):
        sync_assets(assets, tmp_path / "dest")
    assert not (tmp_path / "dest" / damaged.key).exists()
    assert not list((tmp_path / "dest").glob(f"*/{PARTIAL_PREFIX}*"))


def test_syncing_the_asset_folder_into_itself_is_refused(assets: Path) -> None:
    with pytest.raises(ValueError, match="asset folder itself"):
        sync_assets(assets, assets)


def test_a_copy_failing_midway_leaves_no_file_under_the_assets_name(
    assets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "dest"
    victim = asset_files(assets)[3]

    def disk_full(fd: int) -> None:  # the bytes are written; flushing them to disk fails
        assert list(dest.glob(f"*/{PARTIAL_PREFIX}*"))  # control: the copy is underway
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sync.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        sync_assets(assets, dest, [victim])
    assert [p for p in dest.rglob("*") if p.is_file()] == []


# A sync that pauses inside its first copy (after writing some bytes), so the test can kill -9 it there.
_SLOW_SYNC = """
import sys, time
from pathlib import Path
from store import sync
chunks = sync._chunks
def slow(path):
    for chunk in chunks(path):
        yield chunk
        time.sleep(60)
sync._chunks = slow
sync.sync_assets(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_a_sync_killed_mid_copy_leaves_no_partial_asset_and_the_next_completes(assets: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    process = subprocess.Popen([sys.executable, "-c", _SLOW_SYNC, str(assets), str(dest)], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while not list(dest.glob(f"*/{PARTIAL_PREFIX}*")):
            assert process.poll() is None and time.monotonic() < deadline, "the sync never started a copy"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    partial = next(dest.glob(f"*/{PARTIAL_PREFIX}*"))
    assert [p for p in dest.rglob("*") if p.is_file()] == [partial]  # nothing under an asset's name
    summary = sync_assets(assets, dest)
    assert summary.partials_removed == 1 and _tree(dest) == _tree(assets)


def test_the_command_prints_what_it_copied_and_skipped(toy_store: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    count = len(asset_files(toy_store / ASSETS_DIR))
    first = microscope("assets", "sync", str(dest), "--store", str(toy_store), timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"copied {count} files" in first.stdout and "skipped 0" in first.stdout
    assert "syncing assets" in first.stderr  # the progress bar (drawn once, at the end, off a terminal)
    again = microscope("assets", "sync", str(dest), "--assets", str(toy_store / ASSETS_DIR), "--no-progress")
    assert "copied 0 files (0 bytes)" in again.stdout and f"skipped {count}" in again.stdout
    assert "syncing assets" not in again.stderr
    assert hashlib.sha256((dest / asset_files(dest)[0].key).read_bytes()).hexdigest() == asset_files(dest)[0].sha256


def test_the_command_names_a_missing_asset_folder(tmp_path: Path) -> None:
    done = microscope("assets", "sync", str(tmp_path / "dest"), "--store", str(tmp_path / "nowhere"), timeout=120)
    assert done.returncode == 2 and "no asset folder at" in done.stderr and "Traceback" not in done.stderr
