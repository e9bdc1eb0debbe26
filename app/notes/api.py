"""JSON of a unit's instructor note: anyone reads it; PUT and DELETE need `Authorization: Bearer <token>`."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app import routes, urls
from app.deps import UnitDep
from app.notes.instructors import BearerAuthor, Notes, bearer_author
from app.notes.schemas import NoteIn, NotePublic, note_public
from app.schemas import ErrorPublic
from app.web.handler_route import methods_route
from app.web.writes import write_route

# PUT and DELETE identify their author from the token before the body is read (app/web/writes.py).
router = APIRouter(tags=["notes"], route_class=write_route(methods_route("GET", "PUT", "DELETE"), bearer_author))
WRITE_ERRORS = {
    400: {"model": ErrorPublic, "description": "the body is not JSON"},
    401: {"model": ErrorPublic, "description": "no instructor token (answered before the body is read)"},
    403: {"model": ErrorPublic, "description": "the token is unknown or revoked"},
    413: {"model": ErrorPublic, "description": "the body is over its limit (MICROSCOPE_LIMIT_…_BYTES)"},
}


def _url(ctx: UnitDep) -> str:
    return urls.path(routes.API_UNIT_NOTE, model=ctx.model.id, layer=ctx.layer.name, unit=ctx.unit)


@router.get(routes.API_UNIT_NOTE.path, name=routes.API_UNIT_NOTE.name, response_model=NotePublic | None)
def get_note(ctx: UnitDep, book: Notes) -> NotePublic | None:
    """A unit's instructor note, or null when it has none."""
    note = book.note(ctx.model.id, ctx.layer.name, ctx.unit)
    return note_public(note, _url(ctx)) if note else None


@router.put(
    routes.API_UNIT_NOTE.path, name=routes.API_UNIT_NOTE.name, response_model=NotePublic, responses=WRITE_ERRORS
)
def put_note(author: BearerAuthor, ctx: UnitDep, book: Notes, note: NoteIn) -> NotePublic:
    """Write a unit's label and note (the audit trail keeps what it replaced)."""
    written = book.put(ctx.model.id, ctx.layer.name, ctx.unit, label=note.label, body=note.body, author=author)
    return note_public(written, _url(ctx))


@router.delete(routes.API_UNIT_NOTE.path, name=routes.API_UNIT_NOTE.name, status_code=204, responses=WRITE_ERRORS)
def delete_note(author: BearerAuthor, ctx: UnitDep, book: Notes) -> Response:
    """Remove a unit's note (the audit trail keeps it)."""
    book.delete(ctx.model.id, ctx.layer.name, ctx.unit, author=author)
    return Response(status_code=204)
