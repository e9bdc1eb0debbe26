"""A page and its JSON twin declared once (`Page`): one route, one fetch, one presenter, one response model.

The fetch is the FastAPI dependency both handlers take (`Annotated[Data, Depends(load)]`, which 404s with a message
naming what exists); the presenter turns what it fetched into the response model; the JSON twin at `/api/v1` + the
page's path returns that model, and the page renders the same object with its template. `app.resources` lists every
declaration; `app.main` includes the pages and `app.api` the twins.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from app.routes import Route
from app.web.handler_route import HandlerRoute
from app.web.templating import render


def no_context(data: Any, page: Any) -> dict[str, Any]:
    """The template reads only `page` (the response model)."""
    return {}


@dataclass(frozen=True)
class Page:
    """A page with its JSON twin: `route` (the twin is `route.api`), the `template` the page renders, the `fetch`
    dependency, `present(data)` → `response_model`, the twin's OpenAPI `description` and `tags`, the template's
    context beyond `page` (`context(data, page)`) and its link preview (`preview(request, data, page)`)."""

    route: Route
    template: str
    fetch: Any  # Annotated[Data, Depends(...)]
    present: Callable[[Any], BaseModel]
    response_model: type[BaseModel]
    description: str
    tags: tuple[str, ...] = ()
    context: Callable[[Any, Any], dict[str, Any]] = field(default=no_context)
    preview: Callable[[Request, Any, Any], Any] | None = None  # its link preview (app.cards.previews), from the same
    # Whether what was fetched is live (computed for this request, not read from the store): such answers are sent
    # `cache-control: no-store`, so that neither the response cache nor a browser keeps them as the store's.
    live: Callable[[Any], bool] | None = None
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)  # the twin's answers other than 200

    def html_router(self) -> APIRouter:
        """The page's router: the template rendered from the response model (not in the OpenAPI schema)."""
        router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

        def page(request: Request, data: Any) -> Response:
            return self.respond(request, data)

        page.__signature__ = _signature(request=Request, data=self.fetch)  # type: ignore[attr-defined]
        router.add_api_route(self.route.path, page, name=self.route.name, methods=["GET"], response_model=None)
        return router

    def respond(self, request: Request, data: Any) -> Response:
        """The page for what was fetched: its template over the response model, with its context and link preview
        (`no-store` when the data is live); also what another route answering with this page calls."""
        shown = self.present(data)
        extra = {"preview": self.preview(request, data, shown)} if self.preview else {}
        response = render(request, self.template, {**self.context(data, shown), **extra, "page": shown})
        if self.live and self.live(data):
            response.headers["cache-control"] = "no-store"
        return response

    def api_router(self) -> APIRouter:
        """The JSON twin's router: the response model, documented as `Get <Name>` with the page's description."""
        router = APIRouter(tags=list(self.tags), route_class=HandlerRoute)

        def twin(response: Response, data: Any) -> BaseModel:
            if self.live and self.live(data):
                response.headers["cache-control"] = "no-store"
            return self.present(data)

        twin.__signature__ = _signature(response=Response, data=self.fetch)  # type: ignore[attr-defined]
        twin.__name__ = f"get_{self.route.name}"
        router.add_api_route(
            self.route.api.path,
            twin,
            name=self.route.api.name,
            methods=["GET"],
            response_model=self.response_model,
            description=self.description,
            responses=self.responses or None,
        )
        return router


def _signature(**annotations: Any) -> inspect.Signature:
    """A handler's signature that FastAPI reads: each parameter by name with its (dependency) annotation."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter(name, kind, annotation=hint) for name, hint in annotations.items()])
