"""Serving and checking a finished store change no byte, no mtime and no file in it, and work from read-only media.

Tests run as root, and root ignores permission bits: `chmod -R a-w` alone proves nothing here. So every test also
compares a snapshot of the store (each file's bytes and mtime, and the listing) before and after, and the
read-only-media tests run the commands inside a mount namespace where the store is a read-only bind mount, which
binds root too (`unshare -rm`; skipped where the sandbox forbids it).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from store.db import database_path
from store.integrity import check_store
from store.reader import StoreReader
from store.records import ModelRecord
from store.writer import StoreWriter
from tests.conftest import REPO, TOY_MODEL, build_toy_store
from tests.mounts import on_read_only_mount, require_read_only_mounts

PAGES = [
    "/",
    "/models/toy-net",
    "/models/toy-net/layers/block1",
    "/models/toy-net/layers/block1/units/2",
    "/api/v1/models",
    "/api/v1/models/toy-net",
    "/api/v1/models/toy-net/layers/conv1",
    "/api/v1/models/toy-net/layers/block1/units/2",
    "/api/v1/models/toy-net/layers/fc/units/0",
    "/search?q=toy-net/block1:2",
]

Snapshot = dict[str, tuple[bytes, int]]


def snapshot(root: Path) -> Snapshot:
    """Every path under `root` (and `root`) with its bytes (files) and mtime in nanoseconds."""
    paths = [root, *sorted(root.rglob("*"))]
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns) for p in paths}


def _serve_everything(root: Path) -> None:
    """Open the app over the store and fetch every kind of page, JSON and an asset."""
    app = create_app(Settings(store=root))
    app.state.reader.verify()
    with TestClient(app) as client:
        for page in PAGES:
            assert client.get(page).status_code == 200, page
        unit = client.get("/api/v1/models/toy-net/layers/block1/units/2").text
        asset = re.search(r'"(/assets/[0-9a-f]{64}\.png)"', unit)
        assert asset is not None and client.get(asset[1]).status_code == 200


def _wal_store(root: Path) -> Path:
    """A store finished before stores were finalized: WAL mode in its header, its log merged and removed."""
    writer = StoreWriter(build_toy_store(root))
    writer.put_model(ModelRecord("second", "Second", "toy", "1" * 64, {"size": 8}, [], "Written after closing."))
    writer.engine.dispose()  # the last connection closing merges the log, but leaves WAL mode on
    return root


@pytest.fixture
def finished(toy_store: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the finished toy store with every write permission removed (restored afterwards)."""
    root = Path(shutil.copytree(toy_store, tmp_path / "store"))
    subprocess.run(["chmod", "-R", "a-w", str(root)], check=True)
    yield root
    subprocess.run(["chmod", "-R", "u+w", str(root)], check=True)


def test_a_finished_store_is_one_database_file_in_rollback_mode(toy_store: Path) -> None:
    assert sorted(p.name for p in toy_store.iterdir()) == ["assets", "microscope.sqlite"]
    assert database_path(toy_store).read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL (2)


def test_serving_a_finished_store_changes_no_byte_mtime_or_file(finished: Path) -> None:
    before = snapshot(finished)
    _serve_everything(finished)
    assert snapshot(finished) == before


def test_checking_a_finished_store_changes_no_byte_mtime_or_file(finished: Path) -> None:
    before = snapshot(finished)
    assert check_store(finished, verify_hashes=True).ok
    assert snapshot(finished) == before


def test_a_store_finished_in_wal_mode_is_served_and_checked_without_creating_side_files(tmp_path: Path) -> None:
    root = _wal_store(tmp_path / "store")
    assert database_path(root).read_bytes()[18:20] == b"\x02\x02"
    before = snapshot(root)
    _serve_everything(root)
    assert check_store(root).ok
    assert snapshot(root) == before


def test_a_store_being_written_is_read_with_what_the_writer_committed(tmp_path: Path) -> None:
    writer = StoreWriter(build_toy_store(tmp_path / "store"))
    writer.put_model(ModelRecord("second", "Second", "toy", "1" * 64, {"size": 8}, [], "Still being written."))
    reader = StoreReader(tmp_path / "store")
    assert reader.model_ids() == ["second", TOY_MODEL]
    reader.engine.dispose()
    writer.close()


def test_closing_a_writer_finalizes_a_store_left_in_wal_mode(tmp_path: Path) -> None:
    root = _wal_store(tmp_path / "store")
    assert StoreWriter(root).close()
    assert database_path(root).read_bytes()[18:20] == b"\x01\x01"
    assert sorted(p.name for p in root.iterdir()) == ["assets", "microscope.sqlite"]


# --- read-only media: a read-only bind mount in a private mount namespace --------------------------------------

_SERVE = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from tests.store.test_read_only import _serve_everything
from pathlib import Path
_serve_everything(Path(sys.argv[1]))
print("served")
"""


@pytest.fixture(scope="module")
def read_only_mounts(tmp_path_factory: pytest.TempPathFactory) -> None:
    require_read_only_mounts(tmp_path_factory.mktemp("probe"))


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return on_read_only_mount(root, sys.executable, "-m", "microscope", "check", "--store", str(root))


def _serve(root: Path) -> subprocess.CompletedProcess[str]:
    return on_read_only_mount(root, sys.executable, "-c", _SERVE, str(root))


@pytest.mark.usefixtures("read_only_mounts")
@pytest.mark.parametrize("kind", ["finished", "finished in WAL mode"])
def test_a_store_on_a_read_only_mount_is_served_and_checked(toy_store: Path, tmp_path: Path, kind: str) -> None:
    root = Path(shutil.copytree(toy_store, tmp_path / "store")) if kind == "finished" else _wal_store(tmp_path / "s")
    before = snapshot(root)
    served, checked = _serve(root), _check(root)
    assert "served" in served.stdout, served.stderr[-2000:]
    assert checked.returncode == 0 and checked.stdout.strip().endswith("ok"), checked.stderr[-2000:]
    assert snapshot(root) == before


def _copied_while_written(toy_store: Path, root: Path) -> Path:
    """A store copied (database and log, without the -shm index) while a writer still had commits in its log."""
    writing = Path(shutil.copytree(toy_store, root.with_name("writing")))
    connection = sqlite3.connect(database_path(writing))
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("UPDATE models SET title = 'Retitled'")
    connection.commit()
    shutil.copytree(writing, root, ignore=shutil.ignore_patterns("*-shm"))
    connection.close()
    return root


@pytest.mark.usefixtures("read_only_mounts")
def test_an_unmerged_log_on_a_read_only_mount_says_to_finalize_then_serves(toy_store: Path, tmp_path: Path) -> None:
    root = _copied_while_written(toy_store, tmp_path / "store")
    checked = _check(root)
    assert checked.returncode == 2
    assert "microscope check --finalize --store" in checked.stderr and "Traceback" not in checked.stderr
    finalized = subprocess.run(
        [sys.executable, "-m", "microscope", "check", "--finalize", "--store", str(root)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert finalized.returncode == 0, finalized.stderr
    assert sorted(p.name for p in root.iterdir()) == ["assets", "microscope.sqlite"]
    assert _check(root).returncode == 0
    served = on_read_only_mount(
        root,
        sys.executable,
        "-c",
        "import sys; from store.reader import StoreReader; print(StoreReader(sys.argv[1]).models()[0].title)",
        str(root),
    )
    assert served.stdout.strip() == "Retitled", served.stderr
