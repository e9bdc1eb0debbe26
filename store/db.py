"""Open a store's database: read-write for precompute (creating or migrating it), read-only for the app.

The only module that knows which database engine holds a store. SQLite (the default: one file per store folder)
gets WAL mode for writing and a read-only URI for reading; any other backend gets a plain engine for its URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DATABASE_NAME = "microscope.sqlite"  # the database file inside a store folder
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


def database_path(root: Path) -> Path:
    """The SQLite file of the store folder `root`."""
    return Path(root) / DATABASE_NAME


def folder_url(root: Path) -> str:
    """The database URL of the store folder `root` (`sqlite:///<root>/microscope.sqlite`)."""
    # URL.create, not an f-string: a '?' or '#' in the path is escaped instead of parsed as part of the URL.
    return URL.create("sqlite", database=str(database_path(root))).render_as_string(hide_password=False)


def check_url(url: str) -> str:
    """`url` if SQLAlchemy can parse it as a database URL; ValueError otherwise (without echoing it: secrets)."""
    try:
        make_url(url)
    except ArgumentError:
        raise ValueError("not a database URL; expected e.g. sqlite:////path/to/microscope.sqlite") from None
    return url


def display_url(url: str) -> str:
    """`url` safe to print: its password masked."""
    return make_url(url).render_as_string(hide_password=True)


def folder_of(url: str) -> Path | None:
    """The store folder whose default database `url` is (…/microscope.sqlite), or None."""
    path = _sqlite_file(url)
    return path.parent if path is not None and path.name == DATABASE_NAME else None


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _store_name(url: str) -> str:
    folder = folder_of(url)
    return str(folder) if folder is not None else display_url(url)


def _store_options(url: str) -> str:
    """The command-line options naming this store's database, for hints in messages."""
    folder = folder_of(url)
    return f"--store {folder}" if folder is not None else f"--db {display_url(url)}"


def require_database(url: str) -> None:
    """Raise StoreFormatError when the store's database file does not exist (backends with files only)."""
    path = _sqlite_file(url)
    if path is not None and not path.is_file():
        raise StoreFormatError(f"no store at {path.parent}: {path.name} is missing; run `microscope precompute` first")


def _on_connect(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _engine(url: str | URL, **kwargs: object) -> Engine:
    """create_engine, with a missing database driver reported as a StoreFormatError naming the store."""
    try:
        return create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        shown = display_url(url) if isinstance(url, str) else url.render_as_string(hide_password=True)
        raise StoreFormatError(f"cannot open the store database {shown}: {error}") from None


def open_for_writing(url: str) -> Engine:
    """Create the store database at `url` if needed, migrate it to the current format, and return an engine."""
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(url)
    if path is not None:
        event.listen(engine, "connect", _on_connect)
    with engine.begin() as connection:
        if path is not None:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        _refuse_unknown_version(connection, url)
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


def open_read_only(url: str) -> Engine:
    """Open the store database at `url` read-only, checking that its format is the one this code reads."""
    path = _sqlite_file(url)
    if path is None:
        engine = _engine(url)
    else:
        require_database(url)
        # SQLite reads this filename as a URI, so '%', '?' and '#' in the path must be percent-escaped.
        uri = URL.create("sqlite", database=f"file:{quote(str(path))}", query={"mode": "ro", "uri": "true"})
        engine = _engine(uri, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_connect)
    check_format(engine, url)
    return engine


def integrity_problems(engine: Engine) -> list[str]:
    """What the database engine's own consistency check finds wrong (empty when sound or when it has none)."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as connection:
        result = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    return [] if result == "ok" else [f"SQLite integrity_check: {result}"]


def _refuse_unknown_version(connection: Connection, url: str) -> None:
    """Raise StoreFormatError when the store was written by a format this code cannot migrate from (a newer one)."""
    found = MigrationContext.configure(connection).get_current_revision()
    known = {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    if found is not None and found not in known:
        raise StoreFormatError(
            f"store at {_store_name(url)} has format version {found}, which this microscope (format version "
            f"{format_version()}) does not know; use the microscope version that wrote it, or precompute into "
            "another --store"
        )


def check_format(engine: Engine, url: str) -> None:
    """Raise StoreFormatError unless the database's recorded format version is this code's."""
    with engine.connect() as connection:
        found = MigrationContext.configure(connection).get_current_revision()
    expected = format_version()
    if found != expected:
        raise StoreFormatError(
            f"store at {_store_name(url)} has format version {found or 'none'}, but this microscope reads version "
            f"{expected}; re-run `microscope precompute {_store_options(url)}` with this version to migrate it, "
            "or use the microscope version that wrote it"
        )
