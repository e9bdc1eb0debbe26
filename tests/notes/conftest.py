"""A fresh annotation database per test, on each backend: a temporary SQLite file and a PostgreSQL schema; and two
workers' books on one SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from notes import tokens
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


@dataclass(frozen=True)
class Workers:
    """Two books on one SQLite file, as two server workers see it: a note and a token written, and read by both."""

    path: Path
    first: NotesBook
    second: NotesBook
    token: str

    def both(self) -> tuple[NotesBook, NotesBook]:
        """The two workers' books."""
        return self.first, self.second


def write_database(path: Path, name: str, label: str) -> str:
    """Make a notes database at `path` holding a note labelled `label` on unit m/l/1 and a token for `name`, as
    `microscope tokens create` and an instructor would; the token."""
    book = NotesBook(f"sqlite:///{path}")
    with book.writing() as session:
        token = tokens.create(session, name)
    book.put("m", "l", 1, label=label, body="", author=name)
    book.engine.dispose()
    return token


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    """Two workers' books on a database holding alice's note 'old' and token, each holding pooled connections to it."""
    path = tmp_path / "var" / "notes.sqlite"
    token = write_database(path, "alice", "old")
    pair = Workers(path, NotesBook(f"sqlite:///{path}"), NotesBook(f"sqlite:///{path}"), token)
    for book in pair.both():
        assert book.note("m", "l", 1) is not None and book.author_of(token) == "alice"
    yield pair
    for book in pair.both():
        book.engine.dispose()
