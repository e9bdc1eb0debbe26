"""The annotation database: its URL, an engine, and its Alembic migrations (separate from the store's)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
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


def exists(url: str) -> bool:
    """Whether the database may hold notes: a SQLite file that is there, or any other server database."""
    path = sqlite_file(url)
    return path is None or path.is_file()


def engine_for(url: str) -> Engine:
    """An engine over the annotation database (nothing is created until it is migrated).

    A bare `postgresql://` URL goes through psycopg 3 (`pip install "microscope[postgres]"`), as the store's does:
    SQLAlchemy 2.0 would pick psycopg2 for it.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")


def migrate(engine: Engine) -> None:
    """Create the database if needed and bring its tables to the newest migration."""
    path = sqlite_file(str(engine.url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
