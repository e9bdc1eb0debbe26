"""A store in PostgreSQL: made by the same migrations, read through a pool whose transactions cannot write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.engine import make_url

from store.db import (
    StoreDamagedError,
    StoreFormatError,
    engine_url,
    format_version,
    open_for_writing,
    open_read_only,
)
from store.location import StoreLocation
from store.reader import StoreReader
from store.schema import Base
from tests import postgres
from tests.conftest import build_toy_store
from tests.store.first_format import create_first_format


@pytest.fixture
def url() -> Iterator[str]:
    """The URL of an empty schema on the test server."""
    with postgres.fresh_schema() as found:
        yield found


def _scalar(engine: Engine, statement: str) -> object:
    with engine.connect() as connection:
        return connection.execute(text(statement)).scalar()


def test_a_bare_postgresql_url_is_read_with_psycopg_3() -> None:
    assert engine_url("postgresql://u:p@db.example.org/store").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["postgresql+psycopg2://u@h/d", "sqlite:////tmp/s/microscope.sqlite"])
def test_a_url_naming_its_driver_keeps_it(url: str) -> None:
    assert engine_url(url) == make_url(url)


def test_an_unreachable_server_is_a_clear_error_with_the_password_masked() -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    with pytest.raises(StoreDamagedError, match="check that its server is running") as raised:
        open_read_only("postgresql://microscope:s3cret@127.0.0.1:9/store?connect_timeout=3")
    assert "s3cret" not in str(raised.value) and "microscope:***@127.0.0.1:9/store" in str(raised.value)


def test_migrations_build_exactly_the_tables_of_the_schema(url: str) -> None:
    engine = open_for_writing(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert differences == [] and version == format_version()


def test_a_store_of_the_first_format_is_migrated_keeping_every_row(url: str) -> None:
    engine = create_engine(engine_url(url))
    with engine.begin() as connection:
        create_first_format(connection)
    engine.dispose()
    writer = open_for_writing(url)  # every migration after the first runs on PostgreSQL here
    assert _scalar(writer, "SELECT version_num FROM alembic_version") == format_version()
    assert _scalar(writer, "SELECT count(*) FROM units WHERE label IS NULL AND label_source_id IS NULL") == 1
    assert _scalar(writer, "SELECT count(*) FROM feature_vis") == 1
    writer.dispose()


def test_reopening_for_writing_is_idempotent_and_keeps_rows(url: str) -> None:
    engine = open_for_writing(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)"))
    engine.dispose()
    again = open_for_writing(url)
    assert _scalar(again, "SELECT string_agg(sha256, ',') FROM assets") == "a"
    again.dispose()


def test_the_read_only_engine_refuses_an_insert(url: str) -> None:
    open_for_writing(url).dispose()
    engine = open_read_only(url)
    with pytest.raises(exc.DBAPIError, match="read-only transaction"), engine.begin() as connection:
        connection.execute(text("INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)"))
    assert _scalar(engine, "SELECT count(*) FROM assets") == 0
    engine.dispose()


def test_every_pooled_connection_of_a_served_store_is_read_only(url: str, tmp_path: Path) -> None:
    location = StoreLocation(url, tmp_path / "assets")
    build_toy_store(location)
    reader = StoreReader(location)
    connections = [reader.engine.connect() for _ in range(3)]  # three at once: three connections of the pool
    try:
        for connection in connections:
            assert connection.execute(text("SHOW transaction_read_only")).scalar() == "on"
            with pytest.raises(exc.DBAPIError, match="read-only transaction"):
                connection.execute(text("DELETE FROM models"))
            connection.rollback()
    finally:
        for connection in connections:
            connection.close()
        reader.engine.dispose()
    assert StoreReader(location).model_ids() == ["toy-net"]


def test_an_empty_database_says_to_run_precompute_naming_the_url_masked(url: str) -> None:
    with pytest.raises(StoreFormatError, match=r"format version none.*microscope precompute --db postgresql://"):
        open_read_only(url)
