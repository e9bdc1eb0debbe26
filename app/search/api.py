"""JSON routes of the site-wide search: its results, and the search box's suggestions as you type."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import Reader
from app.notes.instructors import Notes
from app.search import present as search
from app.search.schemas import SearchPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["search"], route_class=HandlerRoute)


SEARCH_HELP = (
    "Units (by ref, hand label or instructor's note), layers, models, classes and tours matching `q`, best first: e.g. "
    "`q=4b:409`, `q=mixed4b`, `q=curve`; each unit with the crops of its top dataset examples (`examples`). A "
    f"measured score's name (`q=curve`) lists the units with its highest values, highest first, {search.SCORE_TIES}. "
    "Never a 404: no match is an empty list with example queries."
)


@router.get(routes.API_SEARCH.path, name=routes.API_SEARCH.name, response_model=SearchPublic, description=SEARCH_HELP)
def search_all(reader: Reader, book: Notes, q: search.SearchText) -> SearchPublic:
    """What matches `q`, best first (SEARCH_HELP says what and how)."""
    return search.find(reader, q, book)


@router.get(routes.API_SEARCH_SUGGEST.path, name=routes.API_SEARCH_SUGGEST.name, response_model=SearchPublic)
def suggest(reader: Reader, book: Notes, q: search.SearchText) -> SearchPublic:
    """The first results of the same search, for the search box as you type."""
    return search.find(reader, q, book, evidence=False)
