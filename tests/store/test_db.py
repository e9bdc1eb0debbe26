"""Opening a store: created and migrated for writing, checked and read-only for the app."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, exc, inspect, text
from sqlalchemy.engine import URL

from store.db import (
    OLDEST_SERVED,
    StoreFormatError,
    database_path,
    folder_url,
    format_version,
    open_for_writing,
    open_read_only,
    stored_format,
)
from store.schema import Base
from tests.store.first_format import create_first_format


def _sql(root: Path, statement: str) -> list[tuple]:
    """Run one statement on the store's database with plain sqlite3 (outside the code under test)."""
    with sqlite3.connect(database_path(root)) as connection:
        rows = connection.execute(statement).fetchall()
    connection.close()
    return rows


def _new_store(root: Path) -> Path:
    open_for_writing(folder_url(root)).dispose()
    return root


def _scalar(engine: Engine, statement: str) -> object:
    with engine.connect() as connection:
        return connection.execute(text(statement)).scalar()


def test_database_lives_at_the_store_root() -> None:
    assert database_path(Path("/s")) == Path("/s/microscope.sqlite")


def test_format_version_is_a_migration_revision() -> None:
    assert format_version()


def test_new_store_is_created_with_its_parent_folders(tmp_path: Path) -> None:
    root = _new_store(tmp_path / "a" / "b" / "store")
    assert database_path(root).is_file()


def test_new_store_is_in_wal_mode(tmp_path: Path) -> None:
    root = _new_store(tmp_path)
    assert _sql(root, "PRAGMA journal_mode") == [("wal",)]


def test_new_store_is_at_the_current_format_version(tmp_path: Path) -> None:
    root = _new_store(tmp_path)
    assert _sql(root, "SELECT version_num FROM alembic_version") == [(format_version(),)]


def test_new_store_has_every_table_of_the_schema(tmp_path: Path) -> None:
    engine = open_for_writing(folder_url(tmp_path))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "models",
        "layers",
        "units",
        "assets",
        "stages",
        "feature_vis",
        "dataset_images",
        "dataset_examples",
        "connections",
    } <= tables


def test_connections_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = open_for_writing(folder_url(tmp_path))
    assert _scalar(engine, "PRAGMA foreign_keys") == 1
    engine.dispose()


def test_reopening_for_writing_is_idempotent_and_keeps_rows(tmp_path: Path) -> None:
    engine = open_for_writing(folder_url(tmp_path))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)"))
    engine.dispose()
    open_for_writing(folder_url(tmp_path)).dispose()
    assert _sql(tmp_path, "SELECT version_num FROM alembic_version") == [(format_version(),)]
    assert _sql(tmp_path, "SELECT sha256 FROM assets") == [("a",)]


def test_read_only_store_can_be_read(tmp_path: Path) -> None:
    engine = open_read_only(folder_url(_new_store(tmp_path)))
    assert _scalar(engine, "SELECT count(*) FROM models") == 0
    engine.dispose()


def test_read_only_store_cannot_be_written(tmp_path: Path) -> None:
    engine = open_read_only(folder_url(_new_store(tmp_path)))
    with pytest.raises(exc.OperationalError, match="readonly"), engine.begin() as connection:
        connection.execute(text("INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)"))
    engine.dispose()
    assert _sql(tmp_path, "SELECT count(*) FROM assets") == [(0,)]


def test_opening_missing_store_says_to_run_precompute(tmp_path: Path) -> None:
    with pytest.raises(StoreFormatError, match="run `microscope precompute`"):
        open_read_only(folder_url(tmp_path / "nowhere"))


def test_opening_missing_store_read_only_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreFormatError):
        open_read_only(folder_url(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_opening_store_of_older_format_version_says_to_migrate_naming_both_versions(tmp_path: Path) -> None:
    root = _new_store(tmp_path)
    _sql(root, "UPDATE alembic_version SET version_num = '0001'")
    with pytest.raises(StoreFormatError) as excinfo:
        open_read_only(folder_url(root))
    message = str(excinfo.value)
    assert "0001" in message
    assert format_version() in message
    assert "microscope precompute --store" in message


def test_a_store_of_the_oldest_served_format_opens_read_only_and_an_older_one_does_not(tmp_path: Path) -> None:
    root = _new_store(tmp_path)
    _sql(root, f"UPDATE alembic_version SET version_num = '{OLDEST_SERVED}'")
    assert stored_format(engine := open_read_only(folder_url(root))) == OLDEST_SERVED
    engine.dispose()
    _sql(root, "UPDATE alembic_version SET version_num = '0005'")
    with pytest.raises(StoreFormatError, match="0005"):
        open_read_only(folder_url(root))


def test_opening_sqlite_file_that_is_no_store_reports_version_none(tmp_path: Path) -> None:
    sqlite3.connect(database_path(tmp_path)).close()
    with pytest.raises(StoreFormatError, match="format version none"):
        open_read_only(folder_url(tmp_path))


def test_opening_store_of_unknown_newer_version_for_writing_refuses_without_migrating(tmp_path: Path) -> None:
    root = _new_store(tmp_path)
    _sql(root, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreFormatError) as excinfo:
        open_for_writing(folder_url(root))
    assert "9999" in str(excinfo.value)
    assert format_version() in str(excinfo.value)
    assert _sql(root, "SELECT version_num FROM alembic_version") == [("9999",)]


@pytest.mark.parametrize("name", ["with space", "hash#mark", "question?mark", "per%20cent"])
def test_store_path_with_url_special_characters_opens_that_folder(tmp_path: Path, name: str) -> None:
    root = tmp_path / name
    engine = open_for_writing(folder_url(root))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)"))
    engine.dispose()
    reader = open_read_only(folder_url(root))
    assert _scalar(reader, "SELECT sha256 FROM assets") == "a"
    reader.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_migrations_build_exactly_the_tables_of_the_schema(tmp_path: Path) -> None:
    engine = open_for_writing(folder_url(tmp_path))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_a_store_of_the_first_format_is_migrated_keeping_every_row(tmp_path: Path) -> None:
    engine = create_engine(URL.create("sqlite", database=str(database_path(tmp_path))))
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        create_first_format(connection)
    engine.dispose()
    open_for_writing(folder_url(tmp_path)).dispose()
    assert _sql(tmp_path, "SELECT version_num FROM alembic_version") == [(format_version(),)]
    assert _sql(tmp_path, "SELECT label, label_source_id FROM units") == [(None, None)]
    assert _sql(tmp_path, "SELECT count(*) FROM feature_vis") == [(1,)]
