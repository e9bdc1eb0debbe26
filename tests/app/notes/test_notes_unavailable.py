"""A notes database that cannot be used (damaged, unmigrated, unreachable, unwritable) is reported as such — naming
MICROSCOPE_NOTES_DB and what to do, never as store damage — while the store's pages keep working without notes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from app.web.errors import DAMAGED_STORE

UNIT = ("toy-net", "conv1", 1)
AT = {"model": "toy-net", "layer": "conv1", "unit": 1}  # UNIT as a route's parameters
STORE_PAGES = ["/", "/models/toy-net", "/models/toy-net/layers/conv1", "/search?q=curve", "/api/v1/search?q=conv1"]


def _damaged(tmp_path: Path) -> str:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not a database " * 400)
    return f"sqlite:///{path}"


def _unmigrated(tmp_path: Path) -> str:
    """A notes database at a revision this code does not know (written by a newer microscope, say)."""
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes_alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO notes_alembic_version VALUES ('f00dfeedbeef')")
    return f"sqlite:///{path}"


def _unreachable(_tmp_path: Path) -> str:
    pytest.importorskip("psycopg", reason="psycopg (a PostgreSQL driver) is not installed")
    return "postgresql+psycopg://teacher:secret@127.0.0.1:1/notes?connect_timeout=2"  # nothing listens on port 1


BROKEN = {"damaged": _damaged, "unmigrated": _unmigrated, "unreachable": _unreachable}


@pytest.fixture(params=sorted(BROKEN))
def client(request: pytest.FixtureRequest, toy_store: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the toy store whose notes database cannot be used, in each way."""
    url = BROKEN[request.param](tmp_path)
    with TestClient(create_app(Settings(store=toy_store, notes_db=url)), follow_redirects=False) as test_client:
        yield test_client


def _says_notes_database(detail: str) -> None:
    assert "notes database" in detail and "MICROSCOPE_NOTES_DB" in detail, detail
    assert DAMAGED_STORE not in detail and "secret" not in detail


def test_the_store_pages_keep_working_and_the_note_box_says_notes_are_unavailable(client: TestClient) -> None:
    for path in STORE_PAGES:
        assert client.get(path).status_code == 200, path
    page = client.get(urls.path(routes.UNIT, **AT))
    assert page.status_code == 200 and "Notes are unavailable" in page.text and "MICROSCOPE_NOTES_DB" in page.text
    assert "Sign in to write a note" not in page.text
    unit = client.get(urls.path(routes.API_UNIT, **AT))
    assert unit.status_code == 200 and unit.json()["note"] is None
    _says_notes_database(unit.json()["notes_error"])


def test_the_notes_own_routes_answer_503_naming_the_notes_database(client: TestClient) -> None:
    note = client.get(urls.path(routes.API_UNIT_NOTE, **AT))
    assert note.status_code == 503 and note.headers["content-type"] == "application/json"
    _says_notes_database(note.json()["detail"])
    written = client.put(
        urls.path(routes.API_UNIT_NOTE, **AT), json={"label": "x"}, headers={"Authorization": "Bearer t"}
    )
    assert written.status_code == 503
    _says_notes_database(written.json()["detail"])
    history = client.get(urls.path(routes.NOTES_HISTORY))
    assert history.status_code == 503 and "text/html" in history.headers["content-type"]
    assert "MICROSCOPE_NOTES_DB" in history.text


def test_a_working_notes_database_has_no_notes_error(toy_store: Path, tmp_path: Path) -> None:
    settings = Settings(store=toy_store, notes_db=f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with TestClient(create_app(settings)) as client:
        assert client.get(urls.path(routes.API_UNIT, **AT)).json()["notes_error"] is None
        assert "Notes are unavailable" not in client.get(urls.path(routes.UNIT, **AT)).text
