"""NotesBook: notes per unit, an audit trail of every change, and a generation that grows with each."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from notes.book import NotesBook


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
