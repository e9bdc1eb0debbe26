"""NotesBook: notes per unit, an audit trail of every change, and a generation that grows with each; every worker
reading the file at the configured path, never one deleted or replaced under it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect

from notes import tokens
from notes.book import NotesBook
from notes.db import NotesDatabaseError, shown
from tests.notes.conftest import Workers, write_database


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


def _held(path: Path) -> list[str]:
    """The files at `path` (now or deleted) that this process holds open (Linux /proc)."""
    links = [os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink()]
    return [link for link in links if link.startswith(str(path))]


def _uses(book: NotesBook, token: str) -> list[Callable[[], object]]:
    """Every way a worker reads or writes the notes."""
    return [
        lambda: book.note("m", "l", 1), book.notes, book.generation, book.readable, lambda: book.author_of(token),
        lambda: book.history("m", "l", 1), lambda: book.edits(offset=0, limit=5),
        lambda: book.put("m", "l", 2, label="x", body="", author="alice"), lambda: book.delete("m", "l", 1, author="a"),
    ]  # fmt: skip


def test_a_deleted_file_is_the_same_error_on_every_worker_never_its_old_notes(workers: Workers) -> None:
    workers.path.unlink()
    messages = set()
    for book in workers.both():
        for use in _uses(book, workers.token):
            with pytest.raises(NotesDatabaseError, match="deleted") as raised:
                use()
            messages.add(str(raised.value))
        assert book.cache_key()[1] == "unavailable"
    assert len(messages) == 1 and "MICROSCOPE_NOTES_DB" in messages.pop()
    assert not workers.path.exists() and _held(workers.path) == []  # nothing recreated, the old file let go


def test_a_worker_that_never_read_the_file_knows_it_was_deleted(workers: Workers) -> None:
    idle = NotesBook(f"sqlite:///{workers.path}")  # made while the file exists, deleted before its first request
    workers.path.unlink()
    with pytest.raises(NotesDatabaseError, match="deleted"):
        idle.notes()


def test_a_worker_started_after_the_deletion_reads_as_empty_like_a_new_install(workers: Workers) -> None:
    workers.path.unlink()
    late = NotesBook(f"sqlite:///{workers.path}")
    assert late.notes() == [] and late.author_of(workers.token) is None and not workers.path.exists()


def test_a_restored_backup_is_read_and_written_by_every_worker(workers: Workers, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite"
    bob = write_database(backup, "bob", "restored")
    os.replace(backup, workers.path)
    for book in workers.both():
        note = book.note("m", "l", 1)
        assert note is not None and note.label == "restored"
        assert book.author_of(bob) == "bob" and book.author_of(workers.token) is None
        book.put("m", "l", 2, label="after", body="", author="bob")
    assert _held(workers.path) == [str(workers.path)] * len(_held(workers.path))  # no deleted file held


def test_a_database_recreated_after_deletion_serves_every_worker(workers: Workers) -> None:
    workers.path.unlink()
    with NotesBook(f"sqlite:///{workers.path}").writing() as session:  # what `microscope tokens create bob` does
        bob = tokens.create(session, "bob")
    for book in workers.both():
        assert book.author_of(bob) == "bob" and book.author_of(workers.token) is None
        assert book.note("m", "l", 1) is None and book.notes() == []
    for unit, book in enumerate(workers.both()):
        book.put("m", "l", unit, label="new", body="", author="bob")


def test_the_cache_key_never_repeats_across_files_at_the_same_generation(workers: Workers) -> None:
    before = [(book.generation(), book.cache_key()) for book in workers.both()]
    workers.path.unlink()
    write_database(workers.path, "bob", "new")  # one note again: the same generation as the deleted file's
    after = [(book.generation(), book.cache_key()) for book in workers.both()]
    assert [g for g, _ in after] == [g for g, _ in before]
    assert all(new != old for (_, new), (_, old) in zip(after, before, strict=True))


def test_a_first_write_leaves_the_database_alone_in_its_folder(tmp_path: Path) -> None:
    book = NotesBook(f"sqlite:///{tmp_path / 'var' / 'notes.sqlite'}")
    book.put("m", "l", 1, label="x", body="", author="alice")
    assert os.listdir(tmp_path / "var") == ["notes.sqlite"]  # made aside, then linked into place
