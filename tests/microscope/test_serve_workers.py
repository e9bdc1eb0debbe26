"""`microscope serve --workers 2`: two processes share the port, built from the settings, neither writing the store
(a SQLite store folder, or a PostgreSQL database with its assets folder)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.location import StoreLocation
from tests.conftest import REPO
from tests.precompute.runs import contents
from tests.store.test_read_only import snapshot

STARTUP_TIMEOUT_S = 90.0  # two fresh interpreters import the app on a shared two-core machine
BASE = "https://assets.example.org/microscope"
PATHS = [
    "/",
    "/models/toy-net/layers/block1/units/2",
    "/api/v1/models/toy-net",
    "/api/v1/models/toy-net/layers/block1/units/2",
    "/models/toy-net/layers/block1/weights",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(pid: int) -> int:
    """How many worker processes `pid` started (uvicorn spawns each through multiprocessing; Linux /proc)."""
    children = [c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    return sum("spawn_main" in Path(f"/proc/{child}/cmdline").read_text() for child in children)


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def _wait_for(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            _get(url)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                stderr = process.communicate()[1][-3000:]
                raise RuntimeError(f"microscope serve did not answer at {url}: {stderr}") from None
            time.sleep(0.2)


@pytest.fixture
def store(toy_store: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the toy store with every write permission removed."""
    root = Path(shutil.copytree(toy_store, tmp_path / "store"))
    subprocess.run(["chmod", "-R", "a-w", str(root)], check=True)
    yield root
    subprocess.run(["chmod", "-R", "u+w", str(root)], check=True)


def _serve(store: list[str], tmp_path: Path) -> tuple[list[tuple[int, str]], str, int]:
    """Run `microscope serve --workers 2` on `store`'s options and fetch PATHS four times each: the answers, a unit's
    JSON, and how many workers the server ran."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROSCOPE_") or k == "MICROSCOPE_OFFLINE"}
    env["MICROSCOPE_NOTES_DB"] = f"sqlite:///{tmp_path}/notes.sqlite"
    command = [sys.executable, "-m", "microscope", "serve", *store, "--port", str(port)]
    command += ["--workers", "2", "--asset-base-url", BASE]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        origin = f"http://127.0.0.1:{port}"
        _wait_for(origin + "/", process)
        answers = [_get(origin + path) for path in PATHS for _ in range(4)]
        unit_json = _get(origin + "/api/v1/models/toy-net/layers/block1/units/2")[1]
        workers = _workers(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    return answers, unit_json, workers


def test_two_workers_serve_pages_and_json_and_write_nothing_into_the_store(store: Path, tmp_path: Path) -> None:
    before = snapshot(store)
    answers, unit_json, workers = _serve(["--store", str(store)], tmp_path)
    assert workers == 2
    assert {status for status, _ in answers} == {200}
    assert unit_json.count(BASE + "/") >= 5  # the command line's settings reached the workers
    assert snapshot(store) == before
    assert not (tmp_path / "notes.sqlite").exists()  # reading the notes creates nothing either


@pytest.mark.parametrize("toy_location", ["postgresql"], indirect=True)  # skips without a PostgreSQL server
def test_two_workers_serve_a_postgresql_store_and_write_nothing_into_it(
    toy_location: StoreLocation, tmp_path: Path
) -> None:
    rows, files = contents(toy_location.db_url), snapshot(toy_location.assets)
    options = ["--db", toy_location.db_url, "--assets", str(toy_location.assets)]
    answers, unit_json, workers = _serve(options, tmp_path)
    assert workers == 2
    assert {status for status, _ in answers} == {200}
    assert unit_json.count(BASE + "/") >= 5
    assert contents(toy_location.db_url) == rows and snapshot(toy_location.assets) == files
    assert not (tmp_path / "notes.sqlite").exists()
