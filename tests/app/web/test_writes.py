"""Writes identify their author before their body is read or parsed, and bound a JSON body's nesting."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from app.web.writes import nesting
from notes.book import NotesBook

NOTE_API = urls.path(routes.API_UNIT_NOTE, model="toy-net", layer="conv1", unit=1)
TOUR_API = urls.path(routes.API_TOUR, slug="deep")
JSON = {"content-type": "application/json"}


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    """A client of the toy store with the notes database above."""
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **JSON}


@pytest.mark.parametrize("url", [NOTE_API, TOUR_API])
def test_invalid_json_without_a_token_is_401_not_422(client: TestClient, url: str) -> None:
    response = client.put(url, content=b"{not json", headers=JSON)
    assert response.status_code == 401 and "Authorization: Bearer" in response.json()["detail"]
    assert client.put(url, content=b"{not json", headers=_bearer("not-a-live-token")).status_code == 403


def test_a_tour_form_without_signing_in_is_refused_before_its_file_is_spooled(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where Starlette spools a form's file over 1 MB
    spooled: list[list[str]] = []
    real = tempfile.SpooledTemporaryFile.rollover

    def rollover(self: tempfile.SpooledTemporaryFile) -> None:  # a file over 1 MB moves to disk here
        real(self)
        spooled.append(os.listdir(tmp_path))

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", rollover)
    big = {"upload": ("big.bin", b"\0" * 1_200_000, "application/x")}  # within the form's limit of 1.5 MB
    response = client.post(urls.path(routes.TOURS), data={"tour": "slug: x"}, files=big)
    assert response.status_code == 403 and "sign in as an instructor" in response.text
    assert spooled == [] and os.listdir(tmp_path) == []


def test_json_nested_deeper_than_the_limit_is_422_naming_it(client: TestClient, issued: dict[str, str]) -> None:
    for depth in (33, 5000):  # 5,000 is past Python's own recursion limit, which used to be a 400 or worse
        body = b"[" * depth + b"]" * depth
        response = client.put(NOTE_API, content=body, headers=_bearer(issued["alice"]))
        assert response.status_code == 422, response.text
        assert "deeper than 32 levels (MICROSCOPE_LIMIT_JSON_DEPTH)" in response.json()["detail"]
    nested = b'{"slug": "deep", "title": "t", "stops": [{"unit": "toy-net/conv1:1", "caption": ' + b"[" * 40
    response = client.put(TOUR_API, content=nested + b"]" * 40 + b"}]}", headers=_bearer(issued["alice"]))
    assert response.status_code == 422 and "MICROSCOPE_LIMIT_JSON_DEPTH" in response.json()["detail"]


def test_json_within_the_depth_limit_is_parsed_as_usual(client: TestClient, issued: dict[str, str]) -> None:
    response = client.put(NOTE_API, content=b'{"label": "edges"}', headers=_bearer(issued["alice"]))
    assert response.status_code == 200 and response.json()["author"] == "alice"
    response = client.put(NOTE_API, content=b'{"label": [[["x"]]]}', headers=_bearer(issued["alice"]))
    assert response.status_code == 422 and "label" in response.json()["detail"]  # the model's own message


def test_a_signed_in_form_post_still_needs_its_csrf_field(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    page = client.get(urls.path(routes.INSTRUCTOR)).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(urls.path(routes.INSTRUCTOR), data={"token": issued["alice"], "csrf": csrf})
    note = urls.path(routes.UNIT_NOTE, model="toy-net", layer="conv1", unit=1)
    assert client.post(note, data={"label": "x", "csrf": "forged"}).status_code == 403
    assert client.post(note, data={"label": "x", "csrf": csrf}).status_code == 303
    assert book.note("toy-net", "conv1", 1).author == "alice"  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "depth"), [(1, 0), ([], 1), ({"a": [1, {"b": 2}]}, 3), ([[[[]]], []], 4)], ids=str)
def test_nesting_counts_arrays_and_objects(value: object, depth: int) -> None:
    assert nesting(value, 32) == depth
