"""A fresh annotation database per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from notes.book import NotesBook


@pytest.fixture
def book(tmp_path: Path) -> NotesBook:
    """An empty annotation database in a temporary SQLite file."""
    return NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
