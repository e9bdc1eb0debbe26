"""Counting the SQL statements the service runs (the query-count tests of pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import event

MAX_QUERIES = 6  # the most any page may run, whatever the model's size (tests/app/test_query_counts.py)


@contextmanager
def counted(client: TestClient) -> Iterator[list[str]]:
    """The SQL statements the service behind `client` runs inside the block, its response cache emptied first: a
    page the cache answers runs none, so a count taken on a cached URL would hold whatever the page does."""
    statements: list[str] = []
    client.app.state.response_cache.clear()  # type: ignore[attr-defined]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = client.app.state.reader.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def count_queries(client: TestClient, path: str) -> int:
    """How many SQL statements the service runs to answer `path` (a 200), its response cache emptied first."""
    with counted(client) as statements:
        assert client.get(path).status_code == 200, path
    return len(statements)
