"""A real uvicorn server over any store, and a headless Debian chromium driven by Playwright."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.config import Settings
from app.main import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 15.0


@contextmanager
def running_server(store: Path) -> Iterator[str]:
    """Serve `store` with uvicorn on a free loopback port in a background thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the OS picks the port, and we keep the socket: no race with other tests
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(store=store)), log_level="warning"))
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless chromium under Playwright; skipped when either is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("browser tests need the Playwright Python package (pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _load_all_images(page: Any) -> list[dict[str, Any]]:
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=10_000)
    return page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.currentSrc, complete: i.complete,"
        " naturalWidth: i.naturalWidth}))"
    )


@pytest.fixture
def load_all_images() -> Callable[[Any], list[dict[str, Any]]]:
    """Scroll a page's images into view (so lazy ones load), wait for them, and report src/complete/naturalWidth."""
    return _load_all_images
