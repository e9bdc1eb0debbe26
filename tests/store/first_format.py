"""A store of the first format (migration 0001) holding one row per table: what migration tests upgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, text

from store.db import _alembic_config

FIRST_FORMAT_ROWS = (
    "INSERT INTO models VALUES ('m', 'M', '', 'toy', 'h', '{}', '[]', NULL, '2026-01-01')",
    "INSERT INTO layers VALUES (1, 'm', 'conv', 0, 'conv', 1, 2, 2, 3, 1.0, NULL)",
    "INSERT INTO units VALUES (1, 1, 0, NULL, NULL)",
    "INSERT INTO assets VALUES ('a', 'png', 1, 1, 1)",
    "INSERT INTO feature_vis VALUES (1, 1, 'channel', 'c', 'a', 1.0, '{}')",
)


def create_first_format(connection: Connection) -> None:
    """Create the tables of format 0001 on `connection` and fill them with FIRST_FORMAT_ROWS."""
    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "0001")
    for statement in FIRST_FORMAT_ROWS:
        connection.execute(text(statement))
