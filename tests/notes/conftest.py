"""A fresh annotation database per test, on each backend: a temporary SQLite file and a PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from notes.book import NotesBook
from tests import postgres


@pytest.fixture(params=postgres.BACKENDS)
def book(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NotesBook]:
    """An empty annotation database: a temporary SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
        return
    with postgres.fresh_schema() as url:
        book = NotesBook(url)
        yield book
        book.engine.dispose()
