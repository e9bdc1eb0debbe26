"""The PostgreSQL server the tests may use: one fresh schema per store, so tests never see each other's tables.

`.ci/postgres.sh` starts Debian's server and prints the URL that MICROSCOPE_TEST_POSTGRES carries; without it the
PostgreSQL half of every parametrized test skips, naming the variable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from store.db import engine_url
from store.location import StoreLocation

ENVVAR = "MICROSCOPE_TEST_POSTGRES"
BACKENDS = ("sqlite", "postgresql")  # the params of every fixture that makes a store


def server_url() -> str:
    """The test server's URL, or skip the test when none is configured."""
    url = os.environ.get(ENVVAR)
    if not url:
        pytest.skip(f"needs a PostgreSQL server: set {ENVVAR}=postgresql://… (bash .ci/postgres.sh prints one)")
    return url


def _admin(sql: str) -> None:
    engine = create_engine(engine_url(server_url()), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The URL of a new empty schema on the test server (the only one on its search path), dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE SCHEMA {name}")
    try:
        url = make_url(server_url()).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        # A lock held by a connection a test left open fails the drop in seconds instead of hanging the suite.
        _admin(f"SET lock_timeout = '10s'; DROP SCHEMA {name} CASCADE")


def drop_connections(url: str) -> int:
    """Close every other connection of the URL's user to its database from the server side, as a restart does;
    how many were closed."""
    engine = create_engine(engine_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return len(connection.execute(text(_TERMINATE)).all())
    finally:
        engine.dispose()


_TERMINATE = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE usename = current_user AND datname = current_database() AND pid <> pg_backend_pid()
"""


@contextmanager
def store_location(backend: str, folder: Path) -> Iterator[StoreLocation]:
    """An empty store on `backend`: the store folder `folder`, or a fresh schema with its assets in `folder`."""
    if backend == "sqlite":
        yield StoreLocation.folder(folder)
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    with fresh_schema() as url:
        yield StoreLocation(url, folder / "assets")
