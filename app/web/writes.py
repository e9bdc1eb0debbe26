"""Routes that write: their author is known from the request's headers before its body is read, and a JSON body's
nesting is bounded before FastAPI parses it.

FastAPI reads and parses a body before it solves a route's dependencies, so a dependency that checks a token comes
too late: a stranger's 300 MB of JSON would be read and parsed first. A write route's class identifies the author
first (401/403 from the headers alone), and the body's size is bounded by app/web/request_limits.py before that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app.web.limits import setting

READS = {"GET", "HEAD"}
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def write_route(base: type[APIRoute], identify: Callable[[Request], str]) -> type[APIRoute]:
    """`base`, whose routes for methods other than GET and HEAD call `identify` (which raises 401 or 403) before
    anything reads the body, keeping the author in `request.state.author`, then check a JSON body's depth."""

    class WriteRoute(base):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()
            if self.methods <= READS:
                return handler

            async def identified_first(request: Request) -> Response:
                # A thread: checking a token costs a database query (and an scrypt hash the first time).
                request.state.author = await run_in_threadpool(identify, request)
                await check_json_depth(request, request.app.state.settings.limits.json_depth)
                return await handler(request)

            return identified_first

    return WriteRoute


async def check_json_depth(request: Request, limit: int) -> None:
    """422 when a JSON body nests arrays and objects deeper than `limit` (a body that is not JSON is left to FastAPI,
    which says so)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (media == "application/json" or (media.startswith("application/") and media.endswith("+json"))):
        return
    body = await request.body()  # within the route's body limit; kept on the request, which FastAPI then parses
    if not body:
        return
    try:
        depth = nesting(json.loads(body), limit)
    except RecursionError:  # Python's parser gives up about 1,000 levels deep
        depth = limit + 1
    except ValueError:
        return
    if depth > limit:
        raise HTTPException(
            422, f"the JSON body nests arrays and objects deeper than {limit} levels ({setting('json_depth')})"
        )


def nesting(value: object, limit: int) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (0 for a scalar), counted up to `limit` + 1."""
    deepest, pending = 0, [(value, 1)]
    while pending and deepest <= limit:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest
