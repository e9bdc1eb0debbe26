"""Open a store's database: read-write for precompute (creating or migrating it), read-only for the app."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from store.paths import database_path

_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreFormatError(RuntimeError):
    """The store on disk has another format version than this code reads, or is no store at all."""


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def format_version() -> str:
    """The store format this code reads and writes: the head migration's revision id."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def _on_connect(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_for_writing(root: Path) -> Engine:
    """Create the store at `root` if needed, migrate it to the current format, and return a WAL engine."""
    root.mkdir(parents=True, exist_ok=True)
    # URL.create, not an f-string: a '?' or '#' in the path would otherwise be parsed as part of the URL.
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    event.listen(engine, "connect", _on_connect)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        _refuse_unknown_version(connection, root)
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


def open_read_only(root: Path) -> Engine:
    """Open the store at `root` read-only, checking that its format is the one this code reads."""
    path = database_path(root)
    if not path.is_file():
        raise StoreFormatError(f"no store at {root}: {path.name} is missing; run `microscope precompute` first")
    # SQLite reads this filename as a URI, so '%', '?' and '#' in the path must be percent-escaped.
    url = URL.create("sqlite", database=f"file:{quote(str(path))}", query={"mode": "ro", "uri": "true"})
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    check_format(engine, root)
    return engine


def _refuse_unknown_version(connection: Connection, root: Path) -> None:
    """Raise StoreFormatError when the store was written by a format this code cannot migrate from (a newer one)."""
    found = MigrationContext.configure(connection).get_current_revision()
    known = {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if found is not None and found not in known:
        raise StoreFormatError(
            f"store at {root} has format version {found}, which this microscope (format version {format_version()}) "
            "does not know; use the microscope version that wrote it, or precompute into another --store"
        )


def check_format(engine: Engine, root: Path) -> None:
    """Raise StoreFormatError unless the database's recorded format version is this code's."""
    with engine.connect() as connection:
        found = MigrationContext.configure(connection).get_current_revision()
    expected = format_version()
    if found != expected:
        raise StoreFormatError(
            f"store at {root} has format version {found or 'none'}, but this microscope reads version "
            f"{expected}; re-run `microscope precompute --store {root}` with this version to migrate it, "
            "or use the microscope version that wrote it"
        )
