"""API routes documented by their handler's name: the route table names them for URL building (`api_unit`), but the
OpenAPI docs keep the titles clients and readers know ("Get Unit")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send


class HandlerRoute(APIRoute):
    """An APIRoute whose OpenAPI summary is its handler's name, title-cased, unless one is given."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["summary"] = kwargs.get("summary") or endpoint.__name__.replace("_", " ").title()
        super().__init__(path, endpoint, **kwargs)


def methods_route(*allowed: str) -> type[HandlerRoute]:
    """A route class for one of several routes at a path: a 405 from any names all `allowed` methods in `Allow`
    (Starlette would name only the first route's)."""
    allow = ", ".join(allowed)

    class SharedPathRoute(HandlerRoute):
        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["method"] not in self.methods:
                raise HTTPException(405, "Method Not Allowed", headers={"Allow": allow})
            await super().handle(scope, receive, send)

    return SharedPathRoute
