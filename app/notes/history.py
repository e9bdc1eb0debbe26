"""The audit trail of note edits, newest first and paged: every note's, and one unit's (a page and its JSON twin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes, urls
from app.deps import UnitDep
from app.notes.instructors import Notes
from app.notes.schemas import EditPublic, HistoryPublic
from app.web import paging
from app.web.paging import PageNumber, PageUrl
from app.web.templating import render
from notes.book import Edit, NotesBook, UnitKey
from store.refs import UnitRef

PER_PAGE = paging.PER_PAGE  # edits on a page of the trail

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def edit_public(edit: Edit) -> EditPublic:
    """An audit entry as the page and the JSON show it."""
    return EditPublic(
        ref=UnitRef(edit.layer, edit.unit, edit.model).qualified, model=edit.model, layer=edit.layer, unit=edit.unit,
        author=edit.author, at=edit.at, action=edit.action,
        label_before=edit.label_before, label_after=edit.label_after,
        body_before=edit.body_before, body_after=edit.body_after,
        unit_url=urls.path(routes.UNIT, model=edit.model, layer=edit.layer, unit=edit.unit),
        history_url=urls.path(routes.UNIT_NOTE_HISTORY, model=edit.model, layer=edit.layer, unit=edit.unit),
    )  # fmt: skip


def history_public(
    book: NotesBook, page: int, unit: UnitKey | None, page_url: PageUrl, api_url: PageUrl
) -> HistoryPublic:
    """Page `page` of the trail (a 404 naming the pages there are when it is past the last)."""
    edits, total = book.edits(offset=paging.offset(page, PER_PAGE), limit=PER_PAGE, unit=unit)
    where = paging.trail_page(page, PER_PAGE, total, page_url, api_url)
    ref = None if unit is None else UnitRef(unit[1], unit[2], unit[0]).qualified
    return HistoryPublic(
        **where.model_dump(),
        title="Note history" if ref is None else f"Note history of {ref}",
        unit=ref,
        edits=[edit_public(e) for e in edits],
    )


def site_history(book: NotesBook, page: int) -> HistoryPublic:
    """Every note's trail."""
    return history_public(
        book, page, None, paging.page_url(routes.NOTES_HISTORY), paging.page_url(routes.API_NOTES_HISTORY)
    )


def unit_history(book: NotesBook, ctx: UnitDep, page: int) -> HistoryPublic:
    """One unit's note's trail."""
    key = (ctx.model.id, ctx.layer.name, ctx.unit)
    unit = {"model": ctx.model.id, "layer": ctx.layer.name, "unit": ctx.unit}
    pages = paging.page_url(routes.UNIT_NOTE_HISTORY, **unit), paging.page_url(routes.API_UNIT_NOTE_HISTORY, **unit)
    return history_public(book, page, key, *pages)


def _render(request: Request, history: HistoryPublic, breadcrumbs: list[tuple[str, str]]) -> Response:
    context = {"history": history, "json_url": history.api_url, "crumbs": breadcrumbs}
    return render(request, "note_history.html", context)


@router.get(routes.NOTES_HISTORY.path, name=routes.NOTES_HISTORY.name)
def notes_history_page(request: Request, book: Notes, page: PageNumber = 1) -> Response:
    """Every note edit on the site, newest first."""
    return _render(request, site_history(book, page), [])


@router.get(routes.UNIT_NOTE_HISTORY.path, name=routes.UNIT_NOTE_HISTORY.name)
def unit_note_history_page(request: Request, ctx: UnitDep, book: Notes, page: PageNumber = 1) -> Response:
    """A unit's note edits, newest first."""
    model, layer, unit = ctx.model.id, ctx.layer.name, ctx.unit
    crumbs = [
        (model, urls.path(routes.MODEL, model=model)),
        (layer, urls.path(routes.LAYER, model=model, layer=layer)),
        (f"unit {unit}", urls.path(routes.UNIT, model=model, layer=layer, unit=unit)),
    ]
    return _render(request, unit_history(book, ctx, page), crumbs)
