"""A TestClient over the toy store, shared by the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import routing
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def client(toy_store: Path) -> Iterator[TestClient]:
    """A client of the service over `toy-net`, not following redirects."""
    with TestClient(create_app(Settings(store=toy_store)), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def app_routes(client: TestClient) -> list[Any]:
    """Every route the app serves, in matching order, including those behind included routers."""
    # FastAPI 0.137+ keeps an included router as one entry of `app.routes`; older versions copy its routes there.
    flatten = getattr(routing, "iter_route_contexts", list)
    return list(flatten(client.app.routes))
