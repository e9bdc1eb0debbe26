"""JSON of a tour's audit trail (public), newest first."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import Reader
from app.notes.instructors import Notes
from app.tours import history as tour_history
from app.tours.schemas import TourHistoryPublic
from app.web.handler_route import HandlerRoute
from app.web.paging import PageNumber

router = APIRouter(tags=["tours"], route_class=HandlerRoute)


@router.get(routes.API_TOUR_HISTORY.path, name=routes.API_TOUR_HISTORY.name, response_model=TourHistoryPublic)
def tour_history_json(slug: str, book: Notes, reader: Reader, page: PageNumber = 1) -> TourHistoryPublic:
    """A tour's edits, newest first, 50 a page: who, when, a summary, and the tour file before and after (YAML)."""
    return tour_history.tour_history(book, reader, slug, page)
