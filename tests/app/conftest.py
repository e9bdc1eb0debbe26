"""A TestClient over the toy store, shared by the app tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def client(toy_store: Path) -> Iterator[TestClient]:
    """A client of the service over `toy-net`, not following redirects."""
    with TestClient(create_app(Settings(store=toy_store)), follow_redirects=False) as test_client:
        yield test_client
