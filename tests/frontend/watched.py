"""A browser page opened with its console errors, page errors and failed responses collected (browser tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class Watched:
    """An open page, what its console complained of, and the URLs that answered 400 or more."""

    page: Any
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@contextmanager
def watched_page(browser: Any, url: str) -> Iterator[Watched]:
    """Open `url` (it must answer 200) in a fresh browser context, watching it; the context closes afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        watched = Watched(context.new_page())
        page = watched.page
        page.on("console", lambda m: watched.problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: watched.problems.append(str(e)))
        page.on("response", lambda r: watched.failed.append(r.url) if r.status >= 400 else None)
        assert page.goto(url).status == 200
        yield watched
    finally:
        context.close()


@contextmanager
def store_server(tmp_path_factory: pytest.TempPathFactory, build: Callable[[Path], Path], name: str) -> Iterator[str]:
    """A server over the store `build` writes into a fresh temporary folder called `name`; yields its base URL."""
    from tests.frontend.conftest import running_server

    with running_server(build(tmp_path_factory.mktemp(name))) as base_url:
        yield base_url
