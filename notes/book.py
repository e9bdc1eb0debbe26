"""`NotesBook`: read, write and move the notes of units in the annotation database, auditing every change."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

from alembic.util.exc import CommandError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from notes import db, tokens
from notes.schema import EditRow, NoteRow, TourEditRow

UnitKey = tuple[str, str, int]  # model id, layer name, unit
_NOTHING = object()  # no database migrated yet
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Note:
    """One unit's label and Markdown note, who last wrote it and when."""

    model: str
    layer: str
    unit: int
    label: str
    body: str
    author: str
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Edit:
    """One entry of the audit trail."""

    model: str
    layer: str
    unit: int
    author: str
    at: datetime
    action: str
    label_before: str | None
    body_before: str | None
    label_after: str | None
    body_after: str | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _note(row: NoteRow) -> Note:
    created, updated = _aware(row.created), _aware(row.updated)
    return Note(row.model, row.layer, row.unit, row.label, row.body, row.author, created, updated)


def reported(method: Callable[Concatenate[NotesBook, P], R]) -> Callable[Concatenate[NotesBook, P], R]:
    """`method`, raising `db.NotesDatabaseError` (naming MICROSCOPE_NOTES_DB) when the database cannot be used."""

    @functools.wraps(method)
    def reporting(book: NotesBook, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(book, *args, **kwargs)
        except (SQLAlchemyError, CommandError, OSError) as error:  # damaged, unmigratable, unreachable, unwritable
            raise db.NotesDatabaseError(book.url, error) from error

    return reporting


class NotesBook:
    """The annotation database at `url`; created and migrated on the first write, read as empty until then.

    A SQLite file is one source of truth for every process reading it (each server worker has its own book): every
    use first checks, with one stat, that the file at the path is still the one this book reads (its device and
    inode). Replaced (a restored backup, or a new database made by `microscope tokens create` after a deletion), the
    pooled connections to the old file are dropped and the new one is read. Deleted, every use raises
    `NotesDatabaseDeleted` (a 503 naming MICROSCOPE_NOTES_DB) until a database is at the path again; nothing is
    recreated in its place. A book made after the deletion (a worker or server started later) never knew the file
    and reads the path as a new install does: empty until the first write. A server database (PostgreSQL) has no file
    and is used as it is.
    """

    def __init__(self, url: str) -> None:
        self.url = db.check_url(url)
        self.engine = db.engine_for(self.url)
        self._path = db.sqlite_file(self.url)
        self._lock = threading.Lock()  # the file's check and switch, across a worker's threads
        self._migrating = threading.Lock()
        self._file = self._first_file()  # known from the start: a worker deleted under before its first request knows
        self._deleted = False
        self._files = 0  # how often the file at the path changed under this book: part of the response cache's key
        self._migrated: object = _NOTHING  # the database last migrated (its FileId, or the URL of a server database)

    def _first_file(self) -> db.FileId | None:
        try:
            return db.file_id(self._path) if self._path else None
        except OSError:  # unreadable folder: every use reports it
            return None

    def _current(self) -> object:
        """The database to read (its file's FileId, or the URL of a server database), None while there is none yet;
        `NotesDatabaseDeleted` once the file this book read is gone."""
        if self._path is None:
            return self.url
        with self._lock:
            now = db.file_id(self._path)
            if now != self._file:
                self.engine.dispose()  # no pooled connection to another file is ever used again
                self._deleted, self._file, self._files = now is None, now, self._files + 1
                self._migrated = _NOTHING  # a restored backup may be older: migrated before its first use
            if self._deleted:
                raise db.NotesDatabaseDeleted(self.url)
            return now

    @reported
    def readable(self) -> bool:
        """Whether the database exists (then migrated to the newest tables); False means it holds nothing yet."""
        return self._readable()

    def _readable(self) -> bool:
        current = self._current()
        if current is not None:
            self._ready(current)
        return current is not None

    def _ready(self, current: object) -> None:
        if self._migrated != current:
            with self._migrating:
                if self._migrated != current:
                    db.migrate(self.engine)
                    self._migrated = current

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session on the migrated database (made now if there is none yet), committed when the block ends without
        error."""
        current = self._current()
        if current is None:
            db.create(self.url)
            current = self._current()
        self._ready(current)
        with Session(self.engine) as session, session.begin():
            yield session

    @reported
    def note(self, model: str, layer: str, unit: int) -> Note | None:
        """The unit's note, or None."""
        if not self._readable():
            return None
        with Session(self.engine) as session:
            row = session.scalar(select(NoteRow).filter_by(model=model, layer=layer, unit=unit))
            return None if row is None else _note(row)

    @reported
    def notes(self) -> list[Note]:
        """Every note, by model, layer and unit."""
        if not self._readable():
            return []
        with Session(self.engine) as session:
            rows = session.scalars(select(NoteRow).order_by(NoteRow.model, NoteRow.layer, NoteRow.unit))
            return [_note(r) for r in rows]

    @reported
    def history(self, model: str, layer: str, unit: int) -> list[Edit]:
        """The unit's audit trail, oldest first."""
        if not self._readable():
            return []
        with Session(self.engine) as session:
            query = select(EditRow).filter_by(model=model, layer=layer, unit=unit).order_by(EditRow.id)
            return [_edit(r) for r in session.scalars(query)]

    @reported
    def edits(self, *, offset: int, limit: int, unit: UnitKey | None = None) -> tuple[list[Edit], int]:
        """A page of the audit trail (of one unit's note, or of every note), newest first, and how long it is."""
        if not self._readable():
            return [], 0
        where = () if unit is None else (EditRow.model == unit[0], EditRow.layer == unit[1], EditRow.unit == unit[2])
        page = select(EditRow).where(*where).order_by(EditRow.id.desc()).offset(offset).limit(limit)
        with Session(self.engine) as session:
            total = session.scalar(select(func.count(EditRow.id)).where(*where)) or 0
            return [_edit(r) for r in session.scalars(page)], total

    @reported
    def generation(self) -> int:
        """A number that grows with every change to any note or tour (the sum of the newest audit entries' ids)."""
        if not self._readable():
            return 0
        notes = select(func.coalesce(func.max(EditRow.id), 0)).scalar_subquery()
        tours = select(func.coalesce(func.max(TourEditRow.id), 0)).scalar_subquery()  # notes.tours writes these
        with self.engine.connect() as connection:
            return connection.scalar(select(notes + tours)) or 0

    def cache_key(self) -> tuple[int, int | str]:
        """What the response cache keys pages by: how often the file changed under this book, then the generation
        ('unavailable' while the database cannot be used). No page made from another file is ever found again, even
        where a new file reaches the same generation."""
        files = self._files  # read first: a change meanwhile makes this key one no later request asks for
        try:
            return files, self.generation()
        except db.NotesDatabaseError:
            return files, "unavailable"

    @reported
    def author_of(self, token: str) -> str | None:
        """The instructor whose live token this is, else None."""
        if not token or not self._readable():
            return None
        with Session(self.engine) as session:
            return tokens.holder(session, token)

    @reported
    def put(self, model: str, layer: str, unit: int, *, label: str, body: str, author: str) -> Note:
        """Write the unit's note as `author`, recording the change."""
        with self.writing() as session:
            return _note(_put(session, model, layer, unit, label, body, author, "update"))

    @reported
    def delete(self, model: str, layer: str, unit: int, *, author: str) -> bool:
        """Remove the unit's note as `author`, recording the change; False if it had none."""
        with self.writing() as session:
            row = session.scalar(select(NoteRow).filter_by(model=model, layer=layer, unit=unit))
            if row is None:
                return False
            session.add(_edit_row(model, layer, unit, author, "delete", row, None, None))
            session.delete(row)
            return True

    @reported
    def load(self, notes: Iterable[Note], *, author: str) -> int:
        """Write imported notes (each keeps its author and times), recording the import; how many were written."""
        count = 0
        with self.writing() as session:
            for note in notes:
                row = _put(session, note.model, note.layer, note.unit, note.label, note.body, author, "import")
                row.author, row.created, row.updated = note.author, note.created, note.updated
                count += 1
        return count


def _edit(row: EditRow) -> Edit:
    return Edit(
        row.model, row.layer, row.unit, row.author, _aware(row.at), row.action,
        row.label_before, row.body_before, row.label_after, row.body_after,
    )  # fmt: skip


def _edit_row(
    model: str,
    layer: str,
    unit: int,
    author: str,
    action: str,
    before: NoteRow | None,
    label: str | None,
    body: str | None,
) -> EditRow:
    return EditRow(
        model=model, layer=layer, unit=unit, author=author, at=datetime.now(UTC), action=action,
        label_before=before.label if before else None, body_before=before.body if before else None,
        label_after=label, body_after=body,
    )  # fmt: skip


def _put(
    session: Session, model: str, layer: str, unit: int, label: str, body: str, author: str, action: str
) -> NoteRow:
    row = session.scalar(select(NoteRow).filter_by(model=model, layer=layer, unit=unit))
    now = datetime.now(UTC)
    action = "create" if row is None and action == "update" else action
    session.add(_edit_row(model, layer, unit, author, action, row, label, body))
    if row is None:
        row = NoteRow(model=model, layer=layer, unit=unit, created=now)
        session.add(row)
    row.label, row.body, row.author, row.updated = label, body, author, now
    session.flush()
    return row
