"""The address and body limits, enforced before any route reads a body: 414 for a long query, 413 for a body over its
route's limit (declared or counted), each naming the limit's setting, in the API's format or as a page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from app.web.limits import BODIES, DEFAULT_BODY, Limits, body_limit, setting
from notes.book import NotesBook
from tests.conftest import REPO

NOTE_API = urls.path(routes.API_UNIT_NOTE, model="toy-net", layer="conv1", unit=1)


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    """A client of the toy store with small limits, so that going over them is cheap."""
    limits = Limits(note_bytes=1000, body_bytes=500, query_bytes=300, tour_bytes=2000)
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url, limits=limits))) as test_client:
        yield test_client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "content-type": "application/json"}


def test_a_body_over_the_routes_limit_is_413_naming_it_before_authentication(client: TestClient) -> None:
    response = client.put(NOTE_API, content=b"{" + b" " * 5000 + b"}", headers={"content-type": "application/json"})
    assert response.status_code == 413  # not 401: the body's size is checked first, from its Content-Length
    assert "request body of 5,002 bytes is over the limit of 1,000 bytes" in response.json()["detail"]
    assert "MICROSCOPE_LIMIT_NOTE_BYTES=1,000" in response.json()["detail"]


def test_a_body_within_its_limit_is_written(client: TestClient, issued: dict[str, str]) -> None:
    response = client.put(NOTE_API, content=b'{"label": "edges"}', headers=_bearer(issued["alice"]))
    assert response.status_code == 200 and response.json()["label"] == "edges"


def test_a_chunked_body_is_counted_as_it_comes_and_cut_at_the_limit(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    chunks = iter([b'{"label": "', b"x" * 600, b"x" * 600, b'"}'])  # no Content-Length: sent chunked
    response = client.put(NOTE_API, content=chunks, headers=_bearer(issued["alice"]))
    assert response.status_code == 413
    assert "request body of more than 1,000 bytes" in response.json()["detail"]
    assert book.generation() == 0  # nothing written


def test_other_routes_take_the_default_body_limit(client: TestClient) -> None:
    response = client.post(urls.path(routes.INSTRUCTOR), data={"token": "x" * 1000})
    assert response.status_code == 413 and "MICROSCOPE_LIMIT_BODY_BYTES=500" in response.text
    assert response.headers["content-type"].startswith("text/html")  # a page, off /api


def test_a_form_route_allows_for_its_encoding(client: TestClient) -> None:
    limit = body_limit(urls.path(routes.TOURS))
    assert limit.size(Limits(tour_bytes=2000)) == 3 * 2000 + limit.overhead
    response = client.post(urls.path(routes.TOURS), content=b"t" * 30_000, headers={"content-type": "text/plain"})
    assert response.status_code == 413
    assert "MICROSCOPE_LIMIT_TOUR_BYTES=2,000, ×3 as a form encodes it" in response.text


def test_a_long_query_string_is_414_naming_the_limit(client: TestClient) -> None:
    response = client.get(urls.path(routes.API_SEARCH, {"q": "x" * 400}))
    assert response.status_code == 414
    assert response.json()["detail"].startswith("query string of 402 bytes is over the limit of 300 bytes")
    assert "MICROSCOPE_LIMIT_QUERY_BYTES" in response.json()["detail"]
    assert client.get(urls.path(routes.API_SEARCH, {"q": "x" * 100})).status_code == 200


def test_an_oversized_body_that_asked_to_continue_closes_the_connection(client: TestClient) -> None:
    headers = {"content-type": "application/json", "expect": "100-continue"}
    response = client.put(NOTE_API, content=b"[" + b"0," * 2000 + b"0]", headers=headers)
    assert response.status_code == 413 and response.headers["connection"] == "close"


def test_every_route_with_its_own_limit_names_a_limits_field() -> None:
    assert all(limit.field in Limits.model_fields for limit in [*BODIES.values(), DEFAULT_BODY])
    assert body_limit("/api/v1/models/m/layers/l/units/3/note").field == "note_bytes"
    assert body_limit("/api/v1/models/m/layers/l/units/3/note/history").field == "body_bytes"


def test_the_serving_docs_list_every_limit_with_its_default() -> None:
    readme = (REPO / "docs" / "serving.md").read_text()
    for name, field in Limits.model_fields.items():
        assert f"| `{setting(name)}` | {field.default} |" in readme, name
