"""A TestClient over the toy store, shared by the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from notes import tokens
from notes.book import NotesBook
from store.location import StoreLocation


def settings_for(location: StoreLocation) -> Settings:
    """The service's settings for a store: `--store` for a store folder, `--db` and `--assets` otherwise."""
    root = location.root
    return Settings(store=root) if root is not None else Settings(db=location.db_url, assets=location.assets)


@pytest.fixture(scope="module")
def client(toy_location: StoreLocation) -> Iterator[TestClient]:
    """A client of the service over `toy-net` on each backend, not following redirects."""
    with TestClient(create_app(settings_for(toy_location)), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def app_routes(client: TestClient) -> list[Any]:
    """Every route the app serves, in matching order, including those behind included routers."""
    # FastAPI 0.137+ keeps an included router as one entry of `app.routes`; older versions copy its routes there.
    flatten = getattr(routing, "iter_route_contexts", list)
    return list(flatten(client.app.routes))


@pytest.fixture
def book(tmp_path: Path) -> NotesBook:
    """An empty notes database (SQLite, created on its first write) for the notes and tours tests."""
    return NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")


@pytest.fixture
def issued(book: NotesBook) -> dict[str, str]:
    """Instructors' tokens by holder in `book`: alice's is live, bob's revoked."""
    with book.writing() as session:
        issued = {name: tokens.create(session, name) for name in ("alice", "bob")}
    with book.writing() as session:
        tokens.revoke(session, "bob")
    return issued
