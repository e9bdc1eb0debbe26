"""Instructors' notes as a search source: their labels and bodies rank like hand labels, the page and JSON agree,
a note of a unit the store lacks is left out, and the notes database is asked once (apart from the store's queries)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.main import create_app
from app.web.config import Settings
from notes.book import NotesBook
from tests.app.queries import counted

REQUESTS = itertools.count()
HIT = re.compile(r'<li class="search-hit[^"]*">.*?href="([^"]+)"', re.S)
NOTES = {
    ("toy-net", "block1", 3): ("Curve detector", "Fires on **arcs** opening left; see fc:1."),
    ("toy-net", "conv1", 2): ("Edges", "Dark to light, a *curve* of contrast."),
    ("toy-net", "fc", 7): ("Stale", "A unit the store no longer holds (fc has three)."),
    ("other-net", "conv1", 0): ("Curve stale", "A model the store lacks."),
}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> NotesBook:
    """A notes database with the instructors' notes above."""
    book = NotesBook(f"sqlite:///{tmp_path_factory.mktemp('search-notes') / 'notes.sqlite'}")
    for (model, layer, unit), (label, body) in NOTES.items():
        book.put(model, layer, unit, label=label, body=body, author="alice")
    return book


@pytest.fixture(scope="module")
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    """A client of the toy store with that notes database."""
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _api(client: TestClient, q: str) -> list[dict[str, str]]:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200
    return response.json()["hits"]


def test_a_note_label_ranks_like_a_hand_label(client: TestClient) -> None:
    hits = [(h["title"], h["match"], h["field"], h["detail"]) for h in _api(client, "curve")]
    assert hits == [
        ("toy-net/block1:3", "prefix", "note label", "Curve detector"),
        ("toy-net/conv1:2", "substring", "note", "Edges"),
    ]


def test_a_hit_captioned_by_an_instructors_label_says_it_is_the_instructors(client: TestClient) -> None:
    hits = {h["title"]: h for h in _api(client, "curve")}
    assert hits["toy-net/block1:3"]["label_source"] == "instructor"  # its caption, "Curve detector", is a note's
    assert hits["toy-net/conv1:2"]["label_source"] == "instructor"  # found by its note's body, captioned by its label
    items = re.findall(
        r'<li class="search-hit[^"]*">(.*?)</li>', client.get("/search", params={"q": "curve"}).text, re.S
    )
    assert len(items) == 2 and all("instructor's label</span>" in item for item in items)


def test_a_note_body_finds_its_unit(client: TestClient) -> None:
    assert [(h["url"], h["field"]) for h in _api(client, "arcs")] == [("/models/toy-net/layers/block1/units/3", "note")]


def test_notes_of_units_the_store_lacks_are_left_out(client: TestClient) -> None:
    assert _api(client, "stale") == []


@pytest.mark.parametrize("q", ["curve", "arcs", "edges", "Curve detector", "stale"])
def test_the_page_and_suggestions_list_what_the_json_lists(client: TestClient, q: str) -> None:
    expected = [hit["url"] for hit in _api(client, q)]
    assert HIT.findall(client.get("/search", params={"q": q}).text) == expected
    suggested = client.get("/api/v1/search/suggest", params={"q": q}).json()["hits"]
    assert [hit["url"] for hit in suggested] == expected[:8]


def test_a_note_written_later_is_found_at_once(client: TestClient, book: NotesBook) -> None:
    assert _api(client, "spiral") == []
    book.put("toy-net", "fc", 0, label="Spiral", body="", author="alice")
    try:
        assert [h["title"] for h in _api(client, "spiral")] == ["toy-net/fc:0"]
    finally:
        book.delete("toy-net", "fc", 0, author="alice")


@pytest.mark.parametrize("q", ["curve", "block1:3", "zebra"])
def test_search_reads_the_notes_and_tours_once_besides_its_store_queries(client: TestClient, q: str) -> None:
    """The store's queries: three, a fourth for a family's name, and one more on the page and the JSON (not the
    suggestions) for the crops of the units shown."""
    notes_statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        notes_statements.append(statement)

    engine = client.app.state.notes.engine  # the notes database is another database: counted on its own
    event.listen(engine, "before_cursor_execute", count)
    try:
        for path in ("/search", "/api/v1/search", "/api/v1/search/suggest"):
            notes_statements.clear()
            with counted(client) as statements:
                fresh = {"q": q, "uncached": str(next(REQUESTS))}  # a new query string: the response cache misses
                assert client.get(path, params=fresh).status_code in (200, 302)
            reads = [s for s in notes_statements if re.search(r"\bFROM notes\b", s)]
            family = q == "curve"  # a family's name adds a query: its members per layer
            crops = path != "/api/v1/search/suggest"  # and the page and JSON one: the crops of the units shown
            budget = (4 if family else 3) + crops
            assert len(statements) <= budget and len(reads) == 1, (path, statements, notes_statements)
            tours = [s for s in notes_statements if re.search(r"\bFROM tours\b", s)]
            assert len(tours) == 1, notes_statements  # the tours, and their stops when there are some
            assert len(notes_statements) <= 4, notes_statements  # and the response cache's note generation
    finally:
        event.remove(engine, "before_cursor_execute", count)
