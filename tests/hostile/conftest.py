"""A real service under hostile requests: `microscope serve` with a real `microscope probe-worker` on loopback, over a
store holding the toy network (every view) and the demo network (model and layers, for probing), and a notes
database with one live instructor token. Session-wide: tests that change the server's settings start their own."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from notes import tokens
from notes.book import NotesBook
from precompute.layers import probe_layers
from precompute.zoo import demo_net
from store.records import ModelRecord
from store.writer import StoreWriter
from tests.conftest import build_toy_store
from tests.live import clean_env, free_port, microscope_command, running

DEMO = "demo-inception"


@dataclass(frozen=True)
class Stack:
    """A running service: its base URL, its process, the log it writes, and an instructor's live token."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    token: str
    notes_db: str


def build_hostile_store(root: Path) -> Path:
    """The toy store, plus the demo network's model and layers (what the probe form and the worker need)."""
    build_toy_store(root)
    model = demo_net.build()
    with StoreWriter(root) as writer:
        writer.put_model(
            ModelRecord(
                model.id, model.title, model.architecture, model.weights_hash, model.input.as_dict(), model.class_labels
            )
        )
        writer.put_layers(model.id, probe_layers(model))
    return root


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store every hostile test serves (session-wide; treat it as read-only)."""
    return build_hostile_store(tmp_path_factory.mktemp("hostile") / "store")


@pytest.fixture(scope="session")
def instructor(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A notes database URL and a live instructor token in it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile-notes') / 'notes.sqlite'}"
    with NotesBook(url).writing() as session:
        token = tokens.create(session, "alice")
    return url, token


@pytest.fixture(scope="session")
def probe_worker(hostile_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real probe worker serving the demo network, checked against the store; yields its URL."""
    port = free_port()
    args = microscope_command(
        "probe-worker", "--model", DEMO, "--store", str(hostile_store), "--port", str(port), "--threads", "1",
        "--timeout", "20",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with running(args, url + "/health", env=clean_env(), log=tmp_path_factory.mktemp("worker") / "worker.log"):
        yield url


@contextmanager
def serving(
    store: Path, *options: str, env: dict[str, str] | None = None, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`microscope serve` over `store` with `options` on a free port; yields its base URL and process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(microscope_command("serve", "--store", str(store), "--port", str(port), *options), url + "/api/v1",
                 env=env or clean_env(), log=log) as process:  # fmt: skip
        yield url, process


@pytest.fixture(scope="session")
def stack(
    hostile_store: Path, probe_worker: str, instructor: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The service over the hostile store, probing through the real worker, with the instructor's notes database."""
    notes_db, token = instructor
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = clean_env(MICROSCOPE_NOTES_DB=notes_db)
    with serving(hostile_store, "--probe", probe_worker, env=env, log=log) as (url, process):
        yield Stack(url, process, log, token, notes_db)
