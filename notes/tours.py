"""Tours in the annotation database (every write audited in `tour_edits`) and the tours shipped with the package.

A database tour overrides a shipped tour of the same slug; shipped tours are read-only files in `notes/tours/`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notes.book import NotesBook, reported
from notes.schema import StopRow, TourEditRow, TourRow
from notes.tour_file import StopFile, TourFile, TourLimits, dump, parse, trusted

SHIPPED_DIR = Path(__file__).with_name("tours")
SHIPPED_AUTHOR = "microscope"
SHIPPED_LIMITS = TourLimits.model_construct()  # the defaults: a lower MICROSCOPE_LIMIT_TOUR_* never hides package data


@dataclass(frozen=True)
class Tour:
    """A tour as the app shows it: its file's fields, who wrote it and when, and whether it ships read-only."""

    slug: str
    title: str
    description: str
    author: str
    created: datetime
    updated: datetime
    stops: tuple[StopFile, ...]
    shipped: bool = False

    def document(self) -> TourFile:
        """The tour as a file (not validated again: it was when saved, and a stop saved before a check still dumps)."""
        return TourFile.model_construct(
            slug=self.slug, title=self.title, description=self.description, author=self.author, stops=list(self.stops)
        )


@dataclass(frozen=True)
class TourEdit:
    """One entry of a tour's audit trail: who changed it, when, how, and the tour file before and after (None where
    there was no saved tour)."""

    slug: str
    author: str
    at: datetime
    action: str  # create, update, delete, import
    before: TourFile | None
    after: TourFile | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _tour(row: TourRow, stops: Sequence[_StopLike]) -> Tour:
    ordered = tuple(_stop(s) for s in sorted(stops, key=lambda s: s.position))
    return Tour(row.slug, row.title, row.description, row.author, _aware(row.created), _aware(row.updated), ordered)


def _stop(row: _StopLike) -> StopFile:
    return StopFile.of(row.kind, row.model, row.target, row.caption, json.loads(row.claims) if row.claims else None)


def _claims(stop: StopFile) -> str | None:
    """A stop's claims as its row keeps them: JSON, or None when it makes none."""
    return json.dumps([c.model_dump(exclude_none=True) for c in stop.claims]) if stop.claims else None


class _StopLike(Protocol):
    """A stop's stored columns: a `StopRow`, or a row of them alone."""

    position: int
    kind: str
    model: str
    target: str
    caption: str
    claims: str | None


_STOPS = select(
    StopRow.tour_id, StopRow.position, StopRow.kind, StopRow.model, StopRow.target, StopRow.caption, StopRow.claims
)


def _rows(session: Session, slug: str | None = None, *, to_write: bool = False) -> list[tuple[TourRow, list[Any]]]:
    """The tours (one, or every one by slug) with their stops: as `StopRow`s `to_write`, else as plain rows of their
    columns (search reads every tour: as ORM objects, 20,000 stops cost each search 0.4 s, columns alone half that)."""
    query = select(TourRow).order_by(TourRow.slug)
    query = query if slug is None else query.where(TourRow.slug == slug)
    rows = session.scalars(query).all()
    stops: dict[int, list[Any]] = {row.id: [] for row in rows}
    if rows:
        where = StopRow.tour_id.in_(stops)
        found = session.scalars(select(StopRow).where(where)) if to_write else session.execute(_STOPS.where(where))
        for stop in found:
            stops[stop.tour_id].append(stop)
    return [(row, stops[row.id]) for row in rows]


@reported
def stored(book: NotesBook) -> list[Tour]:
    """Every tour of the database, by slug (two queries)."""
    if not book.readable():
        return []
    with Session(book.engine) as session:
        return [_tour(row, stops) for row, stops in _rows(session)]


@reported
def stored_tour(book: NotesBook, slug: str) -> Tour | None:
    """The database's tour `slug`, or None."""
    if not book.readable():
        return None
    with Session(book.engine) as session:
        found = _rows(session, slug)
        return _tour(*found[0]) if found else None


def _audit(session: Session, slug: str, author: str, action: str, before: Tour | None, after: Tour | None) -> None:
    old, new = (None if t is None else dump(t.document(), as_json=True) for t in (before, after))
    session.add(TourEditRow(slug=slug, author=author, at=datetime.now(UTC), action=action, before=old, after=new))


@reported
def put(book: NotesBook, tour: TourFile, *, author: str, action: str = "update") -> Tour:
    """Write `tour` (replacing the stops of one with its slug), authored by `tour.author` or else `author`."""
    with book.writing() as session:
        found = _rows(session, tour.slug, to_write=True)
        before = _tour(*found[0]) if found else None
        now = datetime.now(UTC)
        row = found[0][0] if found else TourRow(slug=tour.slug, created=now)
        for stop in found[0][1] if found else []:
            session.delete(stop)
        row.title, row.description, row.updated = tour.title, tour.description, now
        row.author = tour.author or author
        session.add(row)
        session.flush()
        stops = [
            StopRow(
                tour_id=row.id,
                position=i,
                kind=s.kind,
                model=s.model,
                target=s.target,
                caption=s.caption,
                claims=_claims(s),
            )
            for i, s in enumerate(tour.stops)
        ]
        session.add_all(stops)
        after = _tour(row, stops)
        action = "create" if before is None and action == "update" else action
        _audit(session, tour.slug, author, action, before, after)
        return after


@reported
def delete(book: NotesBook, slug: str, *, author: str) -> bool:
    """Remove tour `slug` as `author`, recording it; False if the database has no such tour."""
    with book.writing() as session:
        found = _rows(session, slug, to_write=True)
        if not found:
            return False
        row, stops = found[0]
        _audit(session, slug, author, "delete", _tour(row, stops), None)
        for stop in stops:
            session.delete(stop)
        session.delete(row)
        return True


def _file(text: str | None) -> TourFile | None:
    return None if text is None else trusted(json.loads(text))  # written by `_audit`, maybe before a check was added


def _tour_edit(row: TourEditRow) -> TourEdit:
    before, after = _file(row.before), _file(row.after)
    return TourEdit(row.slug, row.author, _aware(row.at), row.action, before, after)


@reported
def edits(book: NotesBook, slug: str, offset: int, limit: int) -> tuple[list[TourEdit], int]:
    """A page of tour `slug`'s audit trail, newest first, and how long the trail is (one query, two past its end)."""
    if not book.readable():
        return [], 0
    where = TourEditRow.slug == slug
    total = select(func.count(TourEditRow.id)).where(where).scalar_subquery()
    page = select(TourEditRow, total).where(where).order_by(TourEditRow.id.desc()).offset(offset).limit(limit)
    with Session(book.engine) as session:
        rows = session.execute(page).all()
        if rows:
            return [_tour_edit(row) for row, _ in rows], rows[0][1]
        if offset == 0:  # an empty first page: no trail at all
            return [], 0
        return [], session.scalar(select(func.count(TourEditRow.id)).where(where)) or 0


@cache  # package data: read once per process
def shipped() -> tuple[Tour, ...]:
    """The tours that ship with the package, by slug (read-only)."""
    tours = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        doc = parse(path.read_text(), str(path), SHIPPED_LIMITS)
        made = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        author = doc.author or SHIPPED_AUTHOR
        tours.append(Tour(doc.slug, doc.title, doc.description, author, made, made, tuple(doc.stops), shipped=True))
    return tuple(sorted(tours, key=lambda t: t.slug))


def every(book: NotesBook) -> list[Tour]:
    """Shipped and database tours by slug, a database tour replacing a shipped one of the same slug."""
    by_slug = {tour.slug: tour for tour in shipped()} | {tour.slug: tour for tour in stored(book)}
    return [by_slug[slug] for slug in sorted(by_slug)]
