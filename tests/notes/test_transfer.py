"""Notes exported as JSON import back unchanged into another database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notes.book import NotesBook
from notes.transfer import export_notes, import_notes


def test_export_then_import_round_trips_every_note(book: NotesBook, tmp_path: Path) -> None:
    book.put("m", "l", 3, label="curves", body="**bent** lines", author="alice")
    book.put("m", "k", 0, label="", body="<script>x</script>", author="bob")
    export_notes(book, tmp_path / "notes.json")
    other = NotesBook(f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert import_notes(other, tmp_path / "notes.json", author="carol") == 2
    assert other.notes() == book.notes()
    assert [e.action for e in other.history("m", "l", 3)] == ["import"]


def test_a_file_in_another_format_is_refused(book: NotesBook, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"format": "other/9", "notes": []}))
    with pytest.raises(ValueError, match="other/9"):
        import_notes(book, tmp_path / "x.json", author="carol")
