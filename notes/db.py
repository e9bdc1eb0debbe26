"""The annotation database: its URL, an engine, its Alembic migrations (separate from the store's), and for a SQLite
file, which file is at its path (device and inode) and how a new one is made whole."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

_MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite:///var/notes.sqlite"  # relative to the working directory, like the default store folder


class NotesDatabaseError(Exception):
    """The annotation database cannot be used: missing, damaged, unmigrated or unreachable (never the store)."""

    def __init__(self, url: str, cause: BaseException) -> None:
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(
            f"the notes database ({shown(url)}) cannot be used: {reason}. Check MICROSCOPE_NOTES_DB: it must name a "
            "reachable annotation database (a SQLite file, by default var/notes.sqlite, or any SQLAlchemy URL) that "
            "this service may read and write; move a damaged file aside and `microscope annotations import` the "
            "notes from an export. The store's pages work without it."
        )


class NotesDatabaseDeleted(NotesDatabaseError):
    """The SQLite file this process read was deleted from its path, and none is there now."""

    def __init__(self, url: str) -> None:
        Exception.__init__(
            self,
            f"the notes database ({shown(url)}) was deleted while this service was using it: notes and tokens cannot "
            "be read or written until a notes database is at that path again. Restore the file from a backup, or "
            "start a new one with `microscope tokens create NAME` (then `microscope annotations import` an export); "
            "every worker of the service reads it from its next request. MICROSCOPE_NOTES_DB names the file. The "
            "store's pages work without it.",
        )


FileId = tuple[int, int]  # a file's device and inode: which file, whatever its path


def shown(url: str) -> str:
    """The URL with any password hidden (it is shown in errors and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as the kind of thing it is, never verbatim
        return "an unparsable URL"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_url(url: str) -> str:
    """The URL, stripped, or a ValueError naming what is wrong with it."""
    try:
        make_url(url.strip())
    except Exception as error:  # sqlalchemy raises ArgumentError; anything unparsable is the same mistake
        raise ValueError(f"not a database URL: {error}") from None
    return url.strip()


def file_id(path: Path) -> FileId | None:
    """The device and inode of the file at `path`, None when there is none (one stat, no query)."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return found.st_dev, found.st_ino


def engine_for(url: str) -> Engine:
    """An engine over the annotation database. A SQLite file is opened only if it is there (`create` makes it): a
    connection opened after the file was deleted fails instead of starting an empty database in its place.

    A bare `postgresql://` URL goes through psycopg 3 (`pip install "microscope[postgres]"`), as the store's does:
    SQLAlchemy 2.0 would pick psycopg2 for it.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    path = sqlite_file(url)
    if path is not None:
        event.listen(engine, "do_connect", _existing_file_only(path))
    return engine


def _existing_file_only(path: Path) -> Any:
    def connect(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if not cparams.get("uri"):  # a URL that asks for SQLite URIs itself chose its own mode
            cargs[:1] = [f"{path.absolute().as_uri()}?mode=rw"]  # SQLite's read-write mode never creates the file
            cparams["uri"] = True

    return connect


def create(url: str) -> None:
    """Make a migrated database at the SQLite URL's file unless one is there first: built aside, then linked into
    place, so that no worker or command ever finds it half made, and two first writes at once make one database."""
    path = sqlite_file(url)
    if path is None:
        raise ValueError(f"not a SQLite file: {shown(url)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{secrets.token_hex(6)}.new")
    engine = create_engine(make_url(url).set(database=str(aside)))
    try:
        migrate(engine)
        engine.dispose()
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another worker or command made one first: that one is the database
        except OSError:  # a file system without hard links: moved into place instead
            if not path.exists():
                os.replace(aside, path)
    finally:
        engine.dispose()
        aside.unlink(missing_ok=True)


def migrate(engine: Engine) -> None:
    """Bring the database's tables to the newest migration (creating them in an empty one)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
