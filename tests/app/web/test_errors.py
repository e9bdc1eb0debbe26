"""Errors: JSON `{"detail"}` under /api, an HTML page elsewhere, with the right status and what exists."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc

from app.main import create_app
from app.web.config import Settings
from app.web.errors import DAMAGED_STORE
from notes.book import NotesBook
from store.db import display_url
from tests.store.test_damaged import overwrite_page, table_page


def test_api_errors_are_json_detail(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_page_errors_are_html_with_status_and_message(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no layer &#39;nope&#39; in model &#39;toy-net&#39;; layers: conv1, block1, fc" in response.text
    assert '<span class="status">404</span>' in response.text


def test_a_validation_error_quotes_only_the_start_of_what_was_sent(
    toy_store: Path, book: NotesBook, issued: dict[str, str]
) -> None:
    label = "spam " * 10_000  # 50 KB: within the note's body limit, over the label's 200 characters
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url))) as client:
        response = client.put(
            "/api/v1/models/toy-net/layers/conv1/units/1/note",
            json={"label": label, "body": ["x" * 100] * 100},
            headers={"Authorization": f"Bearer {issued['alice']}"},
        )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("label: String should have at most 200 characters (got 'spam spam")
    assert len(response.content) < 1000  # not the 60 KB sent


def test_error_page_links_what_exists(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/nope").text
    for layer in ("conv1", "block1", "fc"):
        assert f'<a href="/models/toy-net/layers/{layer}">{layer}</a>' in html


def test_unknown_model_page_links_models(client: TestClient) -> None:
    response = client.get("/models/nope")
    assert response.status_code == 404
    assert '<a href="/models/toy-net">toy-net</a>' in response.text


def test_unknown_unit_page_names_range_and_links_layer(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/conv1/units/7")
    assert response.status_code == 404
    assert "unit 7 out of range: conv1 has units 0–3" in response.text
    assert 'href="/models/toy-net/layers/conv1"' in response.text


def test_non_integer_unit_page_is_404_html(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/conv1/units/x")
    assert response.status_code == 404
    assert "unit must be a non-negative integer" in response.text


def test_unknown_route_is_404_in_the_right_format(client: TestClient) -> None:
    assert client.get("/api/v1/nowhere").json() == {"detail": "Not Found"}
    page = client.get("/nowhere")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def _damaged_read(*args: object, **kwargs: object) -> None:
    raise exc.DatabaseError("SELECT …", {}, sqlite3.DatabaseError("database disk image is malformed"))


@pytest.fixture
def damaged_unit_reads(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The shared client whose store fails reading units, as a damaged page makes it."""
    monkeypatch.setattr(client.app.state.reader, "unit", _damaged_read)  # type: ignore[attr-defined]
    return client


def test_damaged_row_is_a_json_500_under_the_api_with_one_log_line(
    damaged_unit_reads: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="microscope.app"):
        response = damaged_unit_reads.get("/api/v1/models/toy-net/layers/conv1/units/1")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": DAMAGED_STORE}
    assert len(caplog.records) == 1
    # The log names the database: the SQLite file, or a server's URL with its password masked.
    location = damaged_unit_reads.app.state.reader.location  # type: ignore[attr-defined]
    named = "microscope.sqlite" if location.root is not None else display_url(location.db_url)
    assert named in caplog.records[0].getMessage() and caplog.records[0].exc_info is None


def test_damaged_row_is_an_html_500_page(damaged_unit_reads: TestClient) -> None:
    response = damaged_unit_reads.get("/models/toy-net/layers/conv1/units/1")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert '<span class="status">500</span>' in response.text and "part of its database is damaged" in response.text


def test_unexpected_error_is_a_500_in_the_api_format_not_plain_text(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client.app.state.reader, "unit", lambda *a: 1 / 0)  # type: ignore[attr-defined]
    with TestClient(client.app, raise_server_exceptions=False) as quiet:
        response = quiet.get("/api/v1/models/toy-net/layers/conv1/units/1")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}


def test_a_really_corrupted_page_of_units_is_a_json_500_and_an_html_500(toy_store: Path, tmp_path: Path) -> None:
    store = Path(shutil.copytree(toy_store, tmp_path / "store"))
    overwrite_page(store, table_page(store, "units"))
    with TestClient(create_app(Settings(store=store))) as damaged:
        api = damaged.get("/api/v1/models/toy-net/layers/conv1/units/1")
        page = damaged.get("/models/toy-net/layers/conv1/units/1")
    assert (api.status_code, api.json()) == (500, {"detail": DAMAGED_STORE})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
