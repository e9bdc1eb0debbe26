"""API routes documented by their handler's name: the route table names them for URL building (`api_unit`), but the
OpenAPI docs keep the titles clients and readers know ("Get Unit")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute


class HandlerRoute(APIRoute):
    """An APIRoute whose OpenAPI summary is its handler's name, title-cased, unless one is given."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["summary"] = kwargs.get("summary") or endpoint.__name__.replace("_", " ").title()
        super().__init__(path, endpoint, **kwargs)
