"""A real uvicorn server over any store (the headless chromium is tests/conftest.py's `browser`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.main import create_app
from app.web.config import Settings

STARTUP_TIMEOUT_S = 15.0


@contextmanager
def running_server(store: Path, notes_db: str | None = None, **settings: Any) -> Iterator[str]:
    """Serve `store` (notes at `notes_db`, other `settings`) with uvicorn on a free loopback port; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the OS picks the port, and we keep the socket: no race with other tests
    port = sock.getsockname()[1]
    config = Settings(store=store, **({"notes_db": notes_db} if notes_db else {}), **settings)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start serving {store} within {STARTUP_TIMEOUT_S} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_server() -> Iterator[Callable[[Path], str]]:
    """Start a server over a store path: `base_url = live_server(store)`; stopped after the test."""
    with ExitStack() as stack:
        yield lambda store: stack.enter_context(running_server(store))


@pytest.fixture(scope="module")
def toy_server(toy_store: Path) -> Iterator[str]:
    """The base URL of a server over the toy store."""
    with running_server(toy_store) as base_url:
        yield base_url
