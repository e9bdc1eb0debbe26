"""Instructors' notes in the service: public reads, token-guarded writes, CSRF-checked forms, a store left untouched."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from notes.book import NotesBook

UNIT = ("toy-net", "conv1", 1)
AT = {"model": "toy-net", "layer": "conv1", "unit": 1}  # UNIT as a route's parameters
NOTE_API = urls.path(routes.API_UNIT_NOTE, **AT)
PAGE = urls.path(routes.UNIT, **AT)


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    """A client of the toy store with the notes database above."""
    settings = Settings(store=toy_store, notes_db=book.url)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _sign_in(client: TestClient, token: str) -> str:
    """Sign in through the form, returning the browser's CSRF token."""
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR, {"next": PAGE})).text)
    answer = client.post(urls.path(routes.INSTRUCTOR), data={"token": token, "csrf": csrf, "next": PAGE})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    return csrf


def test_a_note_written_with_a_token_is_public_in_the_json(client: TestClient, issued: dict[str, str]) -> None:
    assert client.get(NOTE_API).json() is None
    answer = client.put(NOTE_API, json={"label": "edges", "body": "*left*"}, headers=_bearer(issued["alice"]))
    assert answer.status_code == 200 and answer.json()["author"] == "alice"
    client.cookies.clear()
    note = client.get(urls.path(routes.API_UNIT, **AT)).json()["note"]
    assert (note["label"], note["html"]) == ("edges", "<p><em>left</em></p>\n")


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Basic eDp5"}, 401), (_bearer("not-a-token-at-all"), 403)],
    ids=["none", "basic", "unknown"],
)
def test_writes_without_a_live_token_are_refused_and_change_nothing(
    client: TestClient, book: NotesBook, issued: dict[str, str], headers: dict[str, str], status: int
) -> None:
    book.put(*UNIT, label="kept", body="", author="alice")
    before = book.generation()
    assert client.put(NOTE_API, json={"label": "x", "body": ""}, headers=headers).status_code == status
    assert client.delete(NOTE_API, headers=headers).status_code == status
    assert book.generation() == before and book.note(*UNIT).label == "kept"  # type: ignore[union-attr]


def test_a_revoked_token_writes_nothing(client: TestClient, book: NotesBook, issued: dict[str, str]) -> None:
    assert client.put(NOTE_API, json={"label": "x"}, headers=_bearer(issued["bob"])).status_code == 403
    assert client.delete(NOTE_API, headers=_bearer(issued["bob"])).status_code == 403
    assert book.generation() == 0


def test_a_script_in_a_note_renders_as_text_on_the_unit_page(client: TestClient, book: NotesBook) -> None:
    book.put(*UNIT, label="<b>x</b>", body="<script>alert(1)</script>", author="alice")
    html = client.get(PAGE).text
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_the_unit_page_and_json_are_never_stale_after_a_note_changes(
    client: TestClient, issued: dict[str, str]
) -> None:
    assert "first words" not in client.get(PAGE).text
    client.get(urls.path(routes.API_UNIT, **AT))
    client.put(NOTE_API, json={"body": "first words"}, headers=_bearer(issued["alice"]))
    assert "first words" in client.get(PAGE).text
    assert client.get(urls.path(routes.API_UNIT, **AT)).json()["note"]["body"] == "first words"
    client.put(NOTE_API, json={"body": "second words"}, headers=_bearer(issued["alice"]))
    assert "second words" in client.get(PAGE).text


def test_a_signed_in_instructor_writes_through_the_unit_page_form(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    _sign_in(client, issued["alice"])
    page = client.get(PAGE)
    assert "no-store" in page.headers["cache-control"] and "Write a note" in page.text
    answer = client.post(
        urls.path(routes.UNIT_NOTE, **AT), data={"csrf": _csrf_of(page.text), "label": "dots", "body": "hi"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    assert book.note(*UNIT).author == "alice"  # type: ignore[union-attr]


@pytest.mark.parametrize("csrf", [None, "", "forged"], ids=["missing", "empty", "wrong"])
def test_a_form_post_without_the_csrf_token_is_refused(
    client: TestClient, book: NotesBook, issued: dict[str, str], csrf: str | None
) -> None:
    _sign_in(client, issued["alice"])
    data = {"label": "forged", "body": ""} | ({} if csrf is None else {"csrf": csrf})
    assert client.post(urls.path(routes.UNIT_NOTE, **AT), data=data).status_code == 403
    assert book.generation() == 0


def test_signing_in_without_the_csrf_token_is_refused(client: TestClient, issued: dict[str, str]) -> None:
    client.get(urls.path(routes.INSTRUCTOR))
    answer = client.post(urls.path(routes.INSTRUCTOR), data={"token": issued["alice"], "csrf": "forged"})
    assert answer.status_code == 403 and "microscope_instructor" not in answer.headers.get("set-cookie", "")


def test_a_revoked_token_cannot_sign_in(client: TestClient, issued: dict[str, str]) -> None:
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR)).text)
    answer = client.post(urls.path(routes.INSTRUCTOR), data={"token": issued["bob"], "csrf": csrf})
    assert answer.status_code == 403 and "unknown or revoked" in answer.text


def test_a_form_post_without_signing_in_is_refused(client: TestClient, book: NotesBook) -> None:
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR)).text)
    assert client.post(urls.path(routes.UNIT_NOTE, **AT), data={"csrf": csrf, "label": "x"}).status_code == 403
    assert book.generation() == 0


def test_signing_in_redirects_only_within_the_site(client: TestClient, issued: dict[str, str]) -> None:
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR)).text)
    answer = client.post(
        urls.path(routes.INSTRUCTOR), data={"token": issued["alice"], "csrf": csrf, "next": "//evil.example"}
    )
    assert answer.headers["location"] == urls.path(routes.INDEX)


def test_writing_notes_never_writes_the_store(toy_store: Path, client: TestClient, issued: dict[str, str]) -> None:
    files = sorted(p for p in toy_store.rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    client.put(NOTE_API, json={"label": "a", "body": "b"}, headers=_bearer(issued["alice"]))
    csrf = _sign_in(client, issued["alice"])
    client.post(urls.path(routes.UNIT_NOTE, **AT), data={"csrf": csrf, "label": "c"})
    client.delete(NOTE_API, headers=_bearer(issued["alice"]))
    after = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    assert after == before and sorted(p for p in toy_store.rglob("*") if p.is_file()) == files


def test_a_units_json_label_is_its_instructors_where_it_has_no_hand_label_cited_as_theirs(
    client: TestClient, book: NotesBook
) -> None:
    unit = client.get(urls.path(routes.API_UNIT, **AT)).json()
    assert unit["label"] is None and unit["label_source"] is None  # the toy store holds no hand labels
    book.put(*UNIT, label="edges, left", body="", author="alice")
    unit = client.get(urls.path(routes.API_UNIT, **AT)).json()
    assert unit["label"] == unit["note"]["label"] == "edges, left"
    source = unit["label_source"]
    assert (source["key"], source["authors"], source["url"]) == ("instructor", "alice", NOTE_API)
    page = client.get(urls.path(routes.UNIT, **AT)).text
    cited = page.split('class="label-source')[1][:300]
    assert "Label “edges, left”: alice, instructor&#39;s note" in cited and "()" not in cited
