"""A tour's audit trail: public, newest first, paged with a 404 past the end, the page and its JSON agreeing, the
tour files shown as YAML text (markup never rendered), kept after a delete, and linked from the tour page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.tours import history as tour_history
from app.web.config import Settings
from notes import tokens, tours
from notes.book import NotesBook
from notes.tour_file import StopFile, TourFile, parse

STOPS = [StopFile(unit="toy-net/conv1:1", caption="edges"), StopFile(circuit="toy-net/conv1:0,1", caption="pair")]
TOUR = TourFile(slug="toy", title="Toy tour", stops=STOPS)


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _history(client: TestClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_trail_lists_put_replace_and_delete_newest_first_with_the_files_as_yaml(
    client: TestClient, book: NotesBook
) -> None:
    with book.writing() as session:
        token = tokens.create(session, "alice")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.put(
        urls.path(routes.API_TOUR, slug="toy"), json=TOUR.model_dump(exclude_none=True), headers=headers
    ).is_success
    renamed = TOUR.model_copy(update={"title": "Renamed", "stops": [*STOPS, StopFile(unit="toy-net/fc:0")]})
    assert client.put(
        urls.path(routes.API_TOUR, slug="toy"), json=renamed.model_dump(exclude_none=True), headers=headers
    ).is_success
    assert client.delete(urls.path(routes.API_TOUR, slug="toy"), headers=headers).status_code == 204
    found = _history(client, urls.path(routes.API_TOUR_HISTORY, slug="toy"))
    assert [(e["action"], e["author"]) for e in found["edits"]] == [
        ("delete", "alice"),
        ("update", "alice"),
        ("create", "alice"),
    ]
    assert [e["summary"] for e in found["edits"]] == [
        ["deleted with 3 stops"],
        ["title changed", "1 stop added"],
        ["created with 2 stops"],
    ]
    newest, middle, oldest = found["edits"]
    assert newest["after"] is None and parse(newest["before"]).title == "Renamed" and oldest["before"] is None
    assert parse(middle["before"]).stops == STOPS and "title: Renamed" in middle["after"]
    assert found["exists"] is False and found["total"] == 3 and found["title"] == "History of the deleted tour toy"
    assert (
        client.get(urls.path(routes.TOUR_HISTORY, slug="toy")).status_code == 200
    )  # a deleted tour's trail stays readable


def test_the_page_shows_captions_as_text_and_agrees_with_its_json(client: TestClient, book: NotesBook) -> None:
    tours.put(book, TOUR, author="alice")
    script = TOUR.model_copy(update={"stops": [StopFile(unit="toy-net/conv1:1", caption="<script>alert(1)</script>")]})
    tours.put(book, script, author="bob")
    page = client.get(urls.path(routes.TOUR_HISTORY, slug="toy"))
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "1 stop removed" in page.text
    api = urls.path(routes.API_TOUR_HISTORY, slug="toy")
    assert f'<a class="json-link" href="{api}"' in page.text
    assert len(re.findall(r'class="note-edit-entry tour-edit-entry"', page.text)) == len(_history(client, api)["edits"])


def test_the_trail_is_paged_and_a_page_past_the_end_is_a_404_naming_the_pages(
    client: TestClient, book: NotesBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tour_history, "PER_PAGE", 2)
    for title in ("v0", "v1", "v2"):
        tours.put(book, TOUR.model_copy(update={"title": title}), author="alice")
    first = _history(client, urls.path(routes.API_TOUR_HISTORY, slug="toy"))
    assert [parse(e["after"]).title for e in first["edits"]] == ["v2", "v1"] and first["previous_url"] is None
    second = _history(client, first["next_url"])
    assert [parse(e["after"]).title for e in second["edits"]] == ["v0"] and second["next_url"] is None
    assert second["previous_url"] == urls.path(routes.API_TOUR_HISTORY, slug="toy") and second["page"] == 2
    assert (
        f'rel="prev" href="{urls.path(routes.TOUR_HISTORY, slug="toy")}"'
        in client.get(urls.path(routes.TOUR_HISTORY, {"page": 2}, slug="toy")).text
    )
    missing = client.get(urls.path(routes.API_TOUR_HISTORY, {"page": 3}, slug="toy"))
    assert missing.status_code == 404 and "2 page(s)" in missing.json()["detail"]
    assert client.get(urls.path(routes.TOUR_HISTORY, {"page": 3}, slug="toy")).status_code == 404
    assert client.get(urls.path(routes.API_TOUR_HISTORY, slug="toy") + "?page=0").status_code == 422


def test_a_slug_with_no_trail_and_no_tour_is_a_404_naming_the_tours(client: TestClient, book: NotesBook) -> None:
    tours.put(book, TOUR, author="alice")
    missing = client.get(urls.path(routes.API_TOUR_HISTORY, slug="nope"))
    assert missing.status_code == 404 and "tours: toy" in missing.json()["detail"]
    assert client.get(urls.path(routes.TOUR_HISTORY, slug="nope")).status_code == 404


def test_the_tour_page_links_its_history_and_the_note_history_points_to_tours(
    client: TestClient, book: NotesBook
) -> None:
    tours.put(book, TOUR, author="alice")
    assert f'href="{urls.path(routes.TOUR_HISTORY, slug="toy")}"' in client.get(urls.path(routes.TOUR, slug="toy")).text
    assert f'href="{urls.path(routes.TOURS)}"' in client.get(urls.path(routes.NOTES_HISTORY)).text
    found = _history(client, urls.path(routes.API_TOUR_HISTORY, slug="toy"))
    assert found["exists"] is True and found["tour_url"] == urls.path(routes.TOUR, slug="toy")


def test_summaries_name_reorders_and_caption_changes() -> None:
    swapped = TOUR.model_copy(update={"stops": STOPS[::-1]})
    recaptioned = TOUR.model_copy(update={"stops": [STOPS[0], StopFile(circuit="toy-net/conv1:0,1", caption="x")]})
    assert tour_history.summary(TOUR, swapped) == ["stops reordered"]
    assert tour_history.summary(TOUR, recaptioned) == ["captions of 1 stop changed"]
    claimed = StopFile(unit=STOPS[0].unit, caption=STOPS[0].caption, claims=[{"score": "curve", "at_least": 0.5}])
    assert tour_history.summary(TOUR, TOUR.model_copy(update={"stops": [claimed, STOPS[1]]})) == [
        "claims of 1 stop changed"
    ]
    assert tour_history.summary(TOUR, TOUR) == ["no change"]
    assert tour_history.summary(None, TOUR) == ["created with 2 stops"]
