"""The audit trail of note edits: public, newest first, paged, every note's and one unit's, the page and its JSON
agreeing, Markdown and HTML shown as text, and the unit page's note box linking to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.notes import history as note_history
from app.web.config import Settings
from notes.book import NotesBook

UNIT = ("toy-net", "conv1", 1)
AT = {"model": "toy-net", "layer": "conv1", "unit": 1}  # UNIT as a route's parameters


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    """A client of the toy store with that notes database."""
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _history(client: TestClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_site_trail_lists_edits_newest_first_with_before_and_after(client: TestClient, book: NotesBook) -> None:
    book.put(*UNIT, label="edge", body="first", author="alice")
    book.put(*UNIT, label="curve", body="second", author="bob")
    book.delete("toy-net", "fc", 0, author="carol")  # no note there: not an edit
    book.put("toy-net", "fc", 0, label="logit", body="", author="carol")
    found = _history(client, urls.path(routes.API_NOTES_HISTORY))
    rows = [(e["ref"], e["author"], e["action"], e["label_before"], e["label_after"]) for e in found["edits"]]
    assert rows == [
        ("toy-net/fc:0", "carol", "create", None, "logit"),
        ("toy-net/conv1:1", "bob", "update", "edge", "curve"),
        ("toy-net/conv1:1", "alice", "create", None, "edge"),
    ]
    assert found["total"] == 3 and found["url"] == "/notes/history" and found["edits"][1]["body_before"] == "first"
    assert found["edits"][0]["unit_url"] == urls.path(routes.UNIT, model="toy-net", layer="fc", unit=0)


def test_a_units_trail_holds_only_its_edits(client: TestClient, book: NotesBook) -> None:
    book.put(*UNIT, label="edge", body="", author="alice")
    book.put("toy-net", "fc", 0, label="logit", body="", author="carol")
    found = _history(client, urls.path(routes.API_UNIT_NOTE_HISTORY, **AT))
    assert [e["label_after"] for e in found["edits"]] == ["edge"] and found["unit"] == "toy-net/conv1:1"
    assert found["url"] == urls.path(routes.UNIT_NOTE_HISTORY, **AT)


def test_the_page_shows_what_the_json_lists_with_markup_as_text(client: TestClient, book: NotesBook) -> None:
    book.put(*UNIT, label="<b>bold</b>", body="<script>alert(1)</script> **strong**", author="alice")
    for page, api in [
        (urls.path(routes.NOTES_HISTORY), urls.path(routes.API_NOTES_HISTORY)),
        (urls.path(routes.UNIT_NOTE_HISTORY, **AT), urls.path(routes.API_UNIT_NOTE_HISTORY, **AT)),
    ]:
        html = client.get(page).text
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; **strong**" in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html and f'<a class="json-link" href="{api}"' in html
        assert len(re.findall(r'class="note-edit-entry"', html)) == len(_history(client, api)["edits"]) == 1


def test_the_trail_is_paged_and_a_page_past_the_end_is_a_404_naming_the_pages(
    client: TestClient, book: NotesBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(note_history, "PER_PAGE", 2)
    for number in range(3):
        book.put(*UNIT, label=f"v{number}", body="", author="alice")
    first = _history(client, urls.path(routes.API_NOTES_HISTORY))
    assert [e["label_after"] for e in first["edits"]] == ["v2", "v1"] and first["previous_url"] is None
    second = _history(client, first["next_url"])
    assert [e["label_after"] for e in second["edits"]] == ["v0"] and second["next_url"] is None
    assert second["previous_url"] == urls.path(routes.API_NOTES_HISTORY) and second["page"] == 2
    assert 'rel="prev" href="/notes/history"' in client.get(urls.path(routes.NOTES_HISTORY, {"page": 2})).text
    missing = client.get(urls.path(routes.API_NOTES_HISTORY, {"page": 3}))
    assert missing.status_code == 404 and "2 page(s)" in missing.json()["detail"]
    assert client.get("/api/v1/notes/history?page=0").status_code == 422


def test_a_page_number_past_any_trail_is_a_422_not_an_overflow(client: TestClient, book: NotesBook) -> None:
    book.put(*UNIT, label="v0", body="", author="alice")  # a trail to page through: 6e23 × 50 overflowed its offset
    for path in ("/api/v1/notes/history?page=628485737560585566945280", "/notes/history?page=1000001"):
        answer = client.get(path)
        assert answer.status_code == 422 and "1000000" in answer.text


def test_an_empty_trail_says_so(client: TestClient) -> None:
    assert _history(client, urls.path(routes.API_NOTES_HISTORY))["edits"] == []
    assert "No note has been written" in client.get(urls.path(routes.NOTES_HISTORY)).text


def test_an_unknown_units_trail_is_a_404(client: TestClient) -> None:
    assert (
        client.get(urls.path(routes.API_UNIT_NOTE_HISTORY, model="toy-net", layer="conv1", unit=99)).status_code == 404
    )
    assert client.get(urls.path(routes.UNIT_NOTE_HISTORY, model="toy-net", layer="nope", unit=0)).status_code == 404


def test_the_unit_pages_note_box_links_to_its_trail_and_the_sites(client: TestClient) -> None:
    html = client.get(urls.path(routes.UNIT, **AT)).text
    assert (
        f'href="{urls.path(routes.UNIT_NOTE_HISTORY, **AT)}"' in html
        and f'href="{urls.path(routes.NOTES_HISTORY)}"' in html
    )
