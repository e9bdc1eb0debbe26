"""Tours in the annotation database: written, replaced and deleted with an audit trail; shipped tours read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.orm import Session

import notes
from notes import tours
from notes.book import NotesBook
from notes.schema import StopRow, TourEditRow
from notes.tour_file import StopFile, TourFile

STOPS = [StopFile(unit="toy-net/conv1:1", caption="one"), StopFile(circuit="toy-net/conv1:0,1", caption="two")]


def _tour(title: str = "Toy", stops: list[StopFile] = STOPS) -> TourFile:
    return TourFile(slug="toy", title=title, description="*d*", stops=stops)


def _trail(book: NotesBook) -> list[tuple[str, str, str | None, str | None]]:
    with Session(book.engine) as session:
        rows = session.scalars(select(TourEditRow).order_by(TourEditRow.id))
        return [(r.action, r.author, r.before, r.after) for r in rows]


def test_an_empty_database_has_no_tours_and_is_not_created_by_reading(book: NotesBook) -> None:
    assert tours.stored(book) == [] and tours.stored_tour(book, "toy") is None
    if book.url.startswith("sqlite"):  # a server database is there already: reading migrates its tables instead
        assert not book.readable()


def test_a_written_tour_reads_back_with_its_stops_in_order(book: NotesBook) -> None:
    tours.put(book, _tour(), author="alice")
    found = tours.stored_tour(book, "toy")
    assert found is not None and found.stops == tuple(STOPS) and found.author == "alice"
    assert found.document() == _tour().model_copy(update={"author": "alice"})


def test_replacing_a_tour_replaces_its_stops_and_the_trail_keeps_the_old_one(book: NotesBook) -> None:
    tours.put(book, _tour(), author="alice")
    tours.put(book, _tour("Toy 2", STOPS[1:]), author="bob")
    assert [s.caption for s in tours.stored_tour(book, "toy").stops] == ["two"]  # type: ignore[union-attr]
    trail = _trail(book)
    assert [(a, who) for a, who, _, _ in trail] == [("create", "alice"), ("update", "bob")]
    assert json.loads(trail[1][2] or "")["title"] == "Toy" and json.loads(trail[1][3] or "")["title"] == "Toy 2"


def test_deleting_a_tour_is_audited_and_deleting_it_again_says_so(book: NotesBook) -> None:
    tours.put(book, _tour(), author="alice")
    assert tours.delete(book, "toy", author="bob") and tours.stored(book) == []
    assert not tours.delete(book, "toy", author="bob")
    assert [(a, after) for a, _, _, after in _trail(book)][-1] == ("delete", None)


def test_every_tour_write_bumps_the_generation_that_keys_the_page_cache(book: NotesBook) -> None:
    seen = [book.generation()]
    tours.put(book, _tour(), author="alice")
    seen.append(book.generation())
    book.put("m", "l", 1, label="x", body="", author="alice")
    seen.append(book.generation())
    tours.delete(book, "toy", author="alice")
    seen.append(book.generation())
    assert seen == sorted(set(seen))


def test_a_saved_tour_replaces_a_shipped_tour_of_its_slug(book: NotesBook) -> None:
    shipped = tours.shipped()
    assert shipped and all(t.shipped for t in shipped)
    slug = shipped[0].slug
    assert [t.slug for t in tours.every(book)] == [t.slug for t in shipped]
    tours.put(book, _tour().model_copy(update={"slug": slug}), author="alice")
    mine = next(t for t in tours.every(book) if t.slug == slug)
    assert not mine.shipped and mine.author == "alice"


def _statements(book: NotesBook) -> list[str]:
    """The SQL the book's engine runs from now on."""
    seen: list[str] = []
    event.listen(book.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_tours_trail_reads_newest_first_with_the_files_before_and_after(book: NotesBook) -> None:
    tours.put(book, _tour(), author="alice")
    tours.put(book, _tour("Renamed", STOPS[:1]), author="bob")
    tours.delete(book, "toy", author="carol")
    tours.put(book, _tour().model_copy(update={"slug": "other"}), author="alice")
    found, total = tours.edits(book, "toy", 0, 10)
    assert total == 3 and [(e.action, e.author) for e in found] == [
        ("delete", "carol"),
        ("update", "bob"),
        ("create", "alice"),
    ]
    assert found[0].after is None and found[0].before is not None and found[0].before.title == "Renamed"
    assert found[1].before is not None and found[1].before.stops == STOPS and found[1].after is not None
    assert found[1].after.stops == STOPS[:1] and found[2].before is None and found[2].at.tzinfo is not None


def test_a_tours_trail_is_paged_in_one_query(book: NotesBook) -> None:
    for title in ("a", "b", "c"):
        tours.put(book, _tour(title), author="alice")
    assert book.readable()
    statements = _statements(book)
    found, total = tours.edits(book, "toy", 1, 1)
    assert [e.after.title for e in found if e.after] == ["b"] and total == 3 and len(statements) == 1
    assert tours.edits(book, "toy", 5, 1) == ([], 3) and tours.edits(book, "nope", 0, 5) == ([], 0)


def test_an_empty_database_has_no_trail_and_is_not_created_by_reading_it(book: NotesBook) -> None:
    assert tours.edits(book, "toy", 0, 50) == ([], 0)
    if book.url.startswith("sqlite"):
        assert not book.readable()


def test_a_stop_saved_before_the_checks_still_reads_saying_what_is_wrong(book: NotesBook) -> None:
    tours.put(book, _tour(), author="alice")
    bad = "mixed3b:" + "9" * 1990  # too many digits (PostgreSQL's column holds 2,000 characters; SQLite took 5,000)
    with book.writing() as session:  # as `put` stored it before unit numbers were bounded
        session.execute(update(StopRow).where(StopRow.position == 0).values(model="demo-inception", target=bad))
        edit = session.scalars(select(TourEditRow)).one()
        edit.after = json.dumps({**json.loads(edit.after or ""), "stops": [{"unit": f"demo-inception/{bad}"}]})
    found = tours.stored_tour(book, "toy")
    assert found is not None and [s.problem is None for s in found.stops] == [False, True]
    assert "1–9 digits" in (found.stops[0].problem or "") and found.stops[0].target == bad
    assert [t.slug for t in tours.stored(book)] == ["toy"]
    trail, _ = tours.edits(book, "toy", 0, 5)
    assert trail[0].after is not None and trail[0].after.stops[0].problem is not None
    tours.put(book, _tour("Mended"), author="bob")  # replacing it records the bad stop in the trail, as it was
    assert tours.edits(book, "toy", 0, 5)[0][0].before.stops[0].target == bad  # type: ignore[union-attr]


def test_shipped_tours_read_whatever_the_limits_are_set_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSCOPE_LIMIT_TOUR_STOPS", "1")
    monkeypatch.setenv("MICROSCOPE_LIMIT_TOUR_BYTES", "10")
    tours.shipped.cache_clear()
    try:
        assert max(len(t.stops) for t in tours.shipped()) > 1
    finally:
        tours.shipped.cache_clear()


def test_a_database_from_before_claims_is_migrated_on_reading_and_keeps_its_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(Path(notes.__file__).with_name("migrations")))
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "n0002")  # the tables before claims
        connection.execute(text("INSERT INTO tours VALUES (1, 'old', 'Old', '', 'alice', '2026-12-01', '2026-12-01')"))
        connection.execute(text("INSERT INTO tour_stops VALUES (1, 1, 0, 'unit', 'toy-net', 'conv1:1', 'one')"))
    engine.dispose()
    found = tours.stored_tour(NotesBook(url), "old")
    assert found is not None and [(s.unit, s.caption, s.claims) for s in found.stops] == [
        ("toy-net/conv1:1", "one", [])
    ]
