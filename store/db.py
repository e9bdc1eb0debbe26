"""Open a store's database: read-write for precompute (creating or migrating it), read-only for the app.

The only module that knows which database engine holds a store. SQLite (the default: one file per store folder)
is written in WAL mode and finalized back to a plain rollback journal when a writer closes, so that a finished store
is one self-contained file; readers open it with SQLite's `immutable` flag (no locks, no side files: it reads from
read-only media), or plainly read-only while a write-ahead log beside it says a writer has it open or was killed.
PostgreSQL (`postgresql://user:password@host/database`, through psycopg 3: `pip install "microscope[postgres]"`)
holds the same tables, made by the same migrations; readers get a pool of connections whose every transaction is
read-only, so the service cannot write. Any other backend gets a plain engine for its URL.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

DATABASE_NAME = "microscope.sqlite"  # the database file inside a store folder
_MIGRATIONS = Path(__file__).with_name("migrations")
OLDEST_SERVED = "0006"  # the oldest store format the app serves without migrating (see is_served)
_SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
_FINALIZE_WAIT_MS = 2000  # how long finalizing waits for other connections before leaving the log in place

# What the database driver raises for a store it cannot read (a damaged page, a file that is no database).
DatabaseError = DBAPIError


class StoreFormatError(RuntimeError):
    """The store on disk has another format version than this code reads, or is no store at all."""


class StoreDamagedError(StoreFormatError):
    """The store's database cannot be read: a truncated, overwritten or corrupted file, or an unmerged log."""


class StoreFullError(RuntimeError):
    """The disk holding the store filled up while writing it; what was committed stays, and a re-run resumes."""


_DISK_FULL_SQLSTATE = "53100"  # PostgreSQL's disk_full


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` says the store's disk is full: ENOSPC from a file write, or the database engine's own code."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    driver = getattr(error, "orig", None)  # SQLAlchemy wraps the driver's exception
    if getattr(driver, "sqlite_errorname", None) == "SQLITE_FULL":
        return True
    return _DISK_FULL_SQLSTATE in (getattr(driver, "sqlstate", None), getattr(driver, "pgcode", None))


def disk_full(store: object) -> StoreFullError:
    """The StoreFullError of the store `store` (its folder, or its database and asset folder)."""
    return StoreFullError(
        f"no space left on device writing the store {store}; free some space and run the same command again: "
        "the run resumes where it stopped (what was written so far is kept)"
    )


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def format_version() -> str:
    """The store format this code reads and writes: the head migration's revision id."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def is_served(found: str | None) -> bool:
    """Whether the app serves a store of format `found` as it is: this code's, or one from OLDEST_SERVED on that
    lacks only what later formats add beside it (0007's stored figures: pages draw them instead; 0008's family
    evidence: families rank every scored unit, and say so)."""
    return found == format_version() or (found is not None and _known_version(found) and found >= OLDEST_SERVED)


def stored_format(engine: Engine) -> str | None:
    """The format version the store's database records (None: not a store)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_path(root: Path) -> Path:
    """The SQLite file of the store folder `root`."""
    return Path(root) / DATABASE_NAME


def folder_url(root: Path) -> str:
    """The database URL of the store folder `root` (`sqlite:///<root>/microscope.sqlite`)."""
    # URL.create, not an f-string: a '?' or '#' in the path is escaped instead of parsed as part of the URL.
    return URL.create("sqlite", database=str(database_path(root))).render_as_string(hide_password=False)


def engine_url(url: str) -> URL:
    """The URL SQLAlchemy connects with: a bare `postgresql://` goes through psycopg 3, the driver we install."""
    parsed = make_url(url)
    # SQLAlchemy 2.0 reads a bare postgresql:// as psycopg2 (2.1 as psycopg); pin it so that either version works.
    return parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed


def is_server(url: str) -> bool:
    """Whether `url` names a database server (PostgreSQL…) rather than a SQLite file."""
    return make_url(url).get_backend_name() != "sqlite"


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


def _log_file(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _header_damage(path: Path) -> str | None:
    """Why the SQLite file at `path` cannot be a whole database, judged from its 100-byte header (None if sound)."""
    size = path.stat().st_size
    if size == 0:
        return None  # SQLite reads an empty file as an empty database; the format check names it
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        return "is not a SQLite database (its first bytes are not SQLite's header)"
    if _log_file(path).is_file() and _log_file(path).stat().st_size > 0:
        # A checkpoint interrupted (killed, or the disk full) leaves the file shorter than its new header says,
        # but the write-ahead log still holds every page, and the next connection completes the checkpoint.
        return None
    page_size = int.from_bytes(header[16:18], "big")
    expected = int.from_bytes(header[28:32], "big") * (65536 if page_size == 1 else page_size)
    # The header's page count is valid only when its 'version-valid-for' number equals the change counter.
    if header[92:96] == header[24:28] and size < expected:
        return f"is truncated ({size} bytes, but its header counts {expected})"
    return None


_REPAIR_HINT = "restore it from a backup, or precompute the store again into a new --store"


def _require_sound_header(url: str, path: Path) -> None:
    damage = _header_damage(path)
    if damage is not None:
        raise StoreDamagedError(f"the store database {path} {damage}; {_REPAIR_HINT}")


def damaged(url: str, error: Exception) -> StoreDamagedError:
    """The StoreDamagedError for a driver error met reading the store at `url`: the file, the cause, what to do."""
    path = _sqlite_file(url)
    cause = str(getattr(error, "orig", None) or error)
    if path is not None and _log_file(path).exists() and "unable to open" in cause:
        return StoreDamagedError(
            f"cannot read the store database {path}: its write-ahead log {_log_file(path).name} was never merged "
            "into it (the precompute that wrote it is still running or was interrupted), and it cannot be read "
            f"in place; run `microscope check --finalize {_store_options(url)}` where the store is writable"
        )
    if path is None and is_server(url):
        return StoreDamagedError(
            f"cannot use the store database {display_url(url)} ({' '.join(cause.split())}); check that its server "
            "is running and that the URL names the store's database, user and password (a precompute stopped by "
            "this resumes where it stopped when run again)"
        )
    shown = path or display_url(url)
    return StoreDamagedError(f"cannot read the store database {shown} ({cause}); {_REPAIR_HINT}")


def _read_only_url(path: Path) -> URL:
    """The SQLite URI that reads `path` without writing anything beside it when it is finished."""
    # Without a write-ahead log beside it, no writer has the file open and every commit is in the file itself,
    # so SQLite may treat it as immutable: no locks and no -shm/-wal files, which read-only media need. A log
    # means a writer is running (or was killed): plain read-only mode reads the log, as a writer's reader must.
    query = {"mode": "ro", "uri": "true"}
    if not _log_file(path).exists():
        query["immutable"] = "1"
    # SQLite reads this filename as a URI, so '%', '?' and '#' in the path must be percent-escaped.
    return URL.create("sqlite", database=f"file:{quote(str(path))}", query=query)


def _on_connect(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _read_only_session(dbapi_connection: object, _record: object) -> None:
    """Make every transaction of a new server connection read-only: the service cannot write to the store."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()  # type: ignore[attr-defined]


def _engine(url: str | URL, **kwargs: object) -> Engine:
    """create_engine, with a missing database driver reported as a StoreFormatError naming the store."""
    if isinstance(url, str) and is_server(url):
        url = engine_url(url)
        # A pooled connection the server dropped (a restart) is replaced before use, not handed out broken.
        kwargs.setdefault("pool_pre_ping", True)
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
        if path.is_file():
            _require_sound_header(url, path)
    engine = _engine(url)
    if path is not None:
        event.listen(engine, "connect", _on_connect)
    with _closed_on_error(engine, url), engine.begin() as connection:
        if path is not None:
            # WAL while writing: the service may read the store as a run adds to it; finalize() undoes it.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        _refuse_unknown_version(connection, url)
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return engine


@contextmanager
def _closed_on_error(engine: Engine, url: str) -> Iterator[None]:
    """Dispose of `engine` when opening the store fails; a driver error means a damaged store."""
    try:
        yield
    except DBAPIError as error:
        engine.dispose()
        raise (disk_full(_store_name(url)) if is_disk_full(error) else damaged(url, error)) from None
    except StoreFormatError:
        engine.dispose()
        raise


def finalize(engine: Engine) -> bool:
    """Merge the write-ahead log into the database file and leave a rollback journal, so that any reader can open
    the store read-only (from read-only media too); False when another connection still holds the log."""
    if engine.dialect.name != "sqlite":
        return True
    engine.dispose()  # idle pooled connections would hold the log open
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={_FINALIZE_WAIT_MS}")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = connection.exec_driver_sql("PRAGMA journal_mode=DELETE").scalar()
    except DBAPIError:
        mode = None  # busy: a reader or another writer has it open; the next writer to close will finalize
    finally:
        engine.dispose()
    return mode == "delete"


def finalize_store(url: str) -> bool:
    """Finalize the store at `url` without migrating it (`microscope check --finalize`); False when in use."""
    path = _sqlite_file(url)
    if path is None:
        return True
    require_database(url)
    _require_sound_header(url, path)
    engine = _engine(url)
    event.listen(engine, "connect", _on_connect)
    try:
        return finalize(engine)
    except DBAPIError as error:
        raise damaged(url, error) from None


def open_read_only(url: str) -> Engine:
    """Open the store database at `url` read-only, checking that its format is the one this code reads."""
    path = _sqlite_file(url)
    if path is None:
        engine = _engine(url)
        if is_server(url):
            event.listen(engine, "connect", _read_only_session)
    else:
        require_database(url)
        _require_sound_header(url, path)
        engine = _engine(_read_only_url(path), connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _on_connect)
    with _closed_on_error(engine, url):
        check_format(engine, url)
    return engine


def integrity_problems(engine: Engine, *, quick: bool = False) -> list[str]:
    """What the database engine's own consistency check finds wrong (empty when sound or when it has none).

    `quick` skips what only costs time to verify (index contents): about a second per gigabyte. A database server
    (PostgreSQL) checks its own pages as it reads them, so the store's content checks are all there is to run.
    """
    if engine.dialect.name != "sqlite":
        return []
    path = unquote((engine.url.database or "").removeprefix("file:"))
    with engine.connect() as connection:
        rows = [row for (row,) in connection.exec_driver_sql(f"PRAGMA {'quick' if quick else 'integrity'}_check")]
    # A finding may span lines and start with which attached database it is in; one line each, without that.
    findings = [" ".join(row.replace("*** in database main ***", "").split()) for row in rows]
    return [] if rows == ["ok"] else [f"{path} is damaged: {finding}" for finding in findings]


def require_intact(engine: Engine, url: str) -> None:
    """Raise StoreDamagedError, naming the file, when a quick check of the whole database finds damage."""
    try:
        problems = integrity_problems(engine, quick=True)
    except DBAPIError as error:
        raise damaged(url, error) from None
    if problems:
        more = f" (and {len(problems) - 1} more findings)" if len(problems) > 1 else ""
        raise StoreDamagedError(f"{problems[0]}{more}; {_REPAIR_HINT}")


def _refuse_unknown_version(connection: Connection, url: str) -> None:
    """Raise StoreFormatError when the store was written by a format this code cannot migrate from (a newer one)."""
    found = MigrationContext.configure(connection).get_current_revision()
    if found is not None and not _known_version(found):
        raise StoreFormatError(_newer_message(url, found) + ", or precompute into another --store")


def _known_version(revision: str) -> bool:
    return revision in {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _newer_message(url: str, found: str) -> str:
    return (
        f"store at {_store_name(url)} has format version {found}, written by a newer microscope than this one "
        f"(format version {format_version()}); upgrade microscope (pip install --upgrade microscope) to use it"
    )


def check_format(engine: Engine, url: str) -> None:
    """Raise StoreFormatError unless the app serves a store of the database's recorded format version (is_served)."""
    found = stored_format(engine)
    expected = format_version()
    if found is not None and found != expected and not _known_version(found):
        raise StoreFormatError(_newer_message(url, found))
    if not is_served(found):
        raise StoreFormatError(
            f"store at {_store_name(url)} has format version {found or 'none'}, but this microscope reads version "
            f"{expected}; re-run `microscope precompute {_store_options(url)}` with this version to migrate it, "
            "or use the microscope version that wrote it"
        )
