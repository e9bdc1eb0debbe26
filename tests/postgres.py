"""The PostgreSQL server the tests may use: one fresh schema per store, so tests never see each other's tables.

`.ci/postgres.sh` starts Debian's server and prints the URL that MICROSCOPE_TEST_POSTGRES carries; without it the
PostgreSQL half of every parametrized test skips, naming the variable.
"""

from __future__ import annotations

import os
import shlex
import subprocess
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
RESTART_ENVVAR = "MICROSCOPE_TEST_POSTGRES_RESTART"  # a command that restarts the test server (.ci/run sets it)
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
    return len(_others(url, "pg_terminate_backend(pid)"))


def other_connections(url: str) -> int:
    """How many connections of the URL's user to its database are open, besides the one asking."""
    return len(_others(url, "pid"))


def _others(url: str, column: str) -> list[object]:
    engine = create_engine(engine_url(url), poolclass=NullPool)
    query = (
        f"SELECT {column} FROM pg_stat_activity "
        "WHERE usename = current_user AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)).scalars())
    finally:
        engine.dispose()


def restart_command() -> list[str]:
    """The command in MICROSCOPE_TEST_POSTGRES_RESTART that restarts the test server; skip the test without one."""
    command = os.environ.get(RESTART_ENVVAR)
    if not command:
        pytest.skip(f"needs {RESTART_ENVVAR}, a command that restarts the test server (bash .ci/postgres.sh --restart)")
    return shlex.split(command)


def restart_server() -> None:
    """Restart the test server (fast shutdown: open connections are cut) and wait until it accepts them again."""
    subprocess.run(restart_command(), check=True, capture_output=True, timeout=120)


def interrupt_server(how: str, url: str) -> None:
    """Cut the server's connections: `terminate` them (what clients see of a restart) or `restart` the server."""
    if how == "restart":
        restart_server()
    elif how == "terminate":
        drop_connections(url)
    else:
        raise ValueError(f"unknown interruption {how!r}; expected terminate or restart")


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
