"""Pages of an audit trail, newest first: the page's number and its neighbours' links, and the 404 past the last.

The note history and each tour's history page the same way; their response models extend `TrailPagePublic`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from app import urls
from app.routes import Route
from app.web.errors import NotFound

PER_PAGE = 50  # edits on a page of a trail
# Far past any trail's last page, and small enough that its offset fits every database's integers (a larger page
# number is refused as a bad parameter instead of overflowing the query).
MAX_PAGE = 1_000_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="the page of the trail, newest edits on page 1")]
PageUrl = Callable[[int], str]  # a page number → that page's path


def page_url(route: Route, **params: str | int) -> PageUrl:
    """The path of each page of the trail at `route` (its first page's carries no `page` parameter)."""
    return lambda number: urls.path(route, {"page": number if number > 1 else None}, **params)


class TrailPagePublic(BaseModel):
    """Where a page of a trail sits: its number, the trail's length, and links to it and its neighbours."""

    page: int
    per_page: int
    total: int = Field(description="edits in the whole trail")
    url: str = Field(description="this page")
    api_url: str
    previous_url: str | None = Field(description="newer edits (the previous page's JSON), if any")
    next_url: str | None = Field(description="older edits (the next page's JSON), if any")
    previous_page_url: str | None = Field(description="the previous page's HTML, if any")
    next_page_url: str | None = Field(description="the next page's HTML, if any")


def offset(page: int, per_page: int) -> int:
    """How many newer edits come before page `page`."""
    return (page - 1) * per_page


def trail_page(page: int, per_page: int, total: int, page_url: PageUrl, api_url: PageUrl) -> TrailPagePublic:
    """Page `page` of a trail of `total` edits (a 404 naming the pages there are when it is past the last)."""
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise NotFound(f"no page {page} of this trail; it has {pages} page(s)", [("The first page", page_url(1))])
    newer, older = page > 1, page < pages
    return TrailPagePublic(
        page=page, per_page=per_page, total=total, url=page_url(page), api_url=api_url(page),
        previous_url=api_url(page - 1) if newer else None, next_url=api_url(page + 1) if older else None,
        previous_page_url=page_url(page - 1) if newer else None, next_page_url=page_url(page + 1) if older else None,
    )  # fmt: skip
