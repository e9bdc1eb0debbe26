"""NotesBook: notes per unit, an audit trail of every change, and a generation that grows with each."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from notes.book import NotesBook
from notes.db import NotesDatabaseError, shown


def test_a_missing_database_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    book = NotesBook(f"sqlite:///{tmp_path / 'none' / 'notes.sqlite'}")
    assert book.note("m", "l", 1) is None and book.notes() == [] and book.generation() == 0
    assert not (tmp_path / "none").exists()


def test_a_written_note_reads_back(book: NotesBook) -> None:
    book.put("m", "l", 3, label="curves", body="*bent*", author="alice")
    note = book.note("m", "l", 3)
    assert note is not None and (note.label, note.body, note.author) == ("curves", "*bent*", "alice")
    assert book.note("m", "l", 4) is None


def test_every_change_is_audited_with_before_and_after(book: NotesBook) -> None:
    book.put("m", "l", 3, label="a", body="one", author="alice")
    book.put("m", "l", 3, label="b", body="two", author="bob")
    book.delete("m", "l", 3, author="alice")
    trail = [(e.action, e.author, e.label_before, e.label_after) for e in book.history("m", "l", 3)]
    assert trail == [("create", "alice", None, "a"), ("update", "bob", "a", "b"), ("delete", "alice", "b", None)]
    assert book.note("m", "l", 3) is None


def test_the_generation_grows_with_every_change(book: NotesBook) -> None:
    book.put("m", "l", 3, label="a", body="", author="alice")
    first = book.generation()
    book.put("m", "l", 3, label="b", body="", author="alice")
    assert book.generation() > first > 0


def test_the_version_table_is_the_notes_own(book: NotesBook) -> None:
    book.put("m", "l", 3, label="a", body="", author="alice")
    tables = set(inspect(book.engine).get_table_names())
    assert "notes_alembic_version" in tables and "alembic_version" not in tables


def test_the_trail_pages_newest_first_over_every_note_or_one_unit(book: NotesBook) -> None:
    for number in range(5):
        book.put("m", "l", number % 2, label=f"v{number}", body="", author="alice")
    page, total = book.edits(offset=0, limit=2)
    assert total == 5 and [e.label_after for e in page] == ["v4", "v3"]
    assert [e.label_after for e in book.edits(offset=4, limit=2)[0]] == ["v0"]
    one, count = book.edits(offset=0, limit=10, unit=("m", "l", 1))
    assert count == 2 and [(e.unit, e.label_after) for e in one] == [(1, "v3"), (1, "v1")]


def test_a_missing_database_has_an_empty_trail(tmp_path: Path) -> None:
    assert NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}").edits(offset=0, limit=5) == ([], 0)


def test_an_unwritable_location_is_a_notes_database_error_naming_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    book = NotesBook(f"sqlite:///{blocker / 'notes.sqlite'}")
    assert book.notes() == []  # missing: read as empty
    with pytest.raises(NotesDatabaseError, match="MICROSCOPE_NOTES_DB"):
        book.put("m", "l", 1, label="x", body="", author="alice")


def test_a_damaged_file_is_a_notes_database_error_hiding_no_password(tmp_path: Path) -> None:
    (tmp_path / "notes.sqlite").write_bytes(b"not a database " * 500)
    book = NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with pytest.raises(NotesDatabaseError, match="file is not a database"):
        book.note("m", "l", 1)


def test_a_shown_url_hides_its_password() -> None:
    assert "secret" not in shown("postgresql://teacher:secret@db/notes") and "teacher" in shown(
        "postgresql://teacher:secret@db/notes"
    )
