"""The search page: the results of the JSON's search, or straight to an exact match."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import routes, urls
from app.deps import Reader
from app.notes.instructors import Notes
from app.search import present as search
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.SEARCH.path, name=routes.SEARCH.name)
def search_page(request: Request, reader: Reader, book: Notes, q: search.SearchText) -> Response:
    """The results of the JSON's search; an exact unit ref or model id goes straight to its page."""
    found = search.find(reader, q, book)
    target = search.go_to(found)
    if target is not None:
        return RedirectResponse(target, status_code=302)
    json_url = urls.path(routes.API_SEARCH, {"q": found.q or None})
    return render(request, "search.html", {"search": found, "json_url": json_url, "ties": search.SCORE_TIES})
