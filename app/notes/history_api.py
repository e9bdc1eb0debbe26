"""JSON of the audit trail of note edits (public): every note's, and one unit's."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import UnitDep
from app.notes import history as note_history
from app.notes.instructors import Notes
from app.notes.schemas import HistoryPublic
from app.web.handler_route import HandlerRoute
from app.web.paging import PageNumber

router = APIRouter(tags=["notes"], route_class=HandlerRoute)


@router.get(routes.API_NOTES_HISTORY.path, name=routes.API_NOTES_HISTORY.name, response_model=HistoryPublic)
def notes_history(book: Notes, page: PageNumber = 1) -> HistoryPublic:
    """Every note edit on the site, newest first, 50 a page: who, when, and the label and body before and after."""
    return note_history.site_history(book, page)


@router.get(routes.API_UNIT_NOTE_HISTORY.path, name=routes.API_UNIT_NOTE_HISTORY.name, response_model=HistoryPublic)
def unit_note_history(ctx: UnitDep, book: Notes, page: PageNumber = 1) -> HistoryPublic:
    """A unit's note edits, newest first."""
    return note_history.unit_history(book, ctx, page)
