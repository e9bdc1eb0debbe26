"""A tour's audit trail, newest first and paged (a page and its JSON twin): each edit's tour file before and after
as YAML text, with a one-line summary of what changed. The trail outlives the tour: a deleted tour's stays readable.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes, urls
from app.deps import Reader
from app.notes.instructors import Notes
from app.tours import present as tours
from app.tours.schemas import TourEditPublic, TourHistoryPublic
from app.web import paging
from app.web.paging import PageNumber
from app.web.templating import render
from notes import tours as tour_book
from notes.tour_file import TourFile, dump
from notes.tours import TourEdit

PER_PAGE = paging.PER_PAGE  # edits on a page of the trail

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _targets(tour: TourFile) -> list[str]:
    """Each stop's target in order: `model/layer:unit`, a circuit's, or an experiment's."""
    return [stop.unit or stop.circuit or stop.experiment or "" for stop in tour.stops]


def _captions(tour: TourFile, part: str = "caption") -> dict[str, list[object]]:
    """Each target's stops' `part` (their captions, or their claims), in order."""
    found: dict[str, list[object]] = {}
    for target, stop in zip(_targets(tour), tour.stops, strict=True):
        found.setdefault(target, []).append(getattr(stop, part))
    return found


def _changed(before: TourFile, after: TourFile, part: str) -> int:
    """How many stops found in both tours changed their `part`."""
    old, new = _captions(before, part), _captions(after, part)
    return sum(1 for t, c in old.items() if t in new and new[t] != c)


def summary(before: TourFile | None, after: TourFile | None) -> list[str]:
    """What an edit changed: the title, the description, stops added, removed or reordered, captions."""
    if before is None or after is None:
        tour = after or before
        stops = _count(len(tour.stops), "stop") if tour else "no stops"
        return [f"created with {stops}" if before is None else f"deleted with {stops}"]
    changes = [f"{part} changed" for part in ("title", "description") if getattr(before, part) != getattr(after, part)]
    old, new = Counter(_targets(before)), Counter(_targets(after))
    added, removed = (new - old).total(), (old - new).total()
    changes += [f"{_count(n, 'stop')} {verb}" for n, verb in ((added, "added"), (removed, "removed")) if n]
    if not added and not removed and _targets(before) != _targets(after):
        changes.append("stops reordered")
    for part in ("caption", "claims"):
        count = _changed(before, after, part)
        changes += [f"{part.rstrip('s')}s of {_count(count, 'stop')} changed"] if count else []
    return changes or ["no change"]


def edit_public(edit: TourEdit) -> TourEditPublic:
    """An audit entry as the page and the JSON show it: the tour files as YAML text."""
    before, after = (None if t is None else dump(t) for t in (edit.before, edit.after))
    return TourEditPublic(
        slug=edit.slug, author=edit.author, at=edit.at, action=edit.action,
        summary=summary(edit.before, edit.after), before=before, after=after,
    )  # fmt: skip


def tour_history(book: Notes, reader: Reader, slug: str, page: int) -> TourHistoryPublic:
    """Page `page` of tour `slug`'s trail; a 404 naming the tours when it has no trail and is no tour."""
    edits, total = tour_book.edits(book, slug, paging.offset(page, PER_PAGE), PER_PAGE)
    shown = tours.tour_list(book, reader)
    current = next((t for t in shown if t.slug == slug), None)
    if total == 0 and current is None:
        raise tours.no_tour(slug, shown)
    where = paging.trail_page(
        page,
        PER_PAGE,
        total,
        paging.page_url(routes.TOUR_HISTORY, slug=slug),
        paging.page_url(routes.API_TOUR_HISTORY, slug=slug),
    )
    title = f"History of the tour “{current.title}”" if current else f"History of the deleted tour {slug}"
    return TourHistoryPublic(
        **where.model_dump(), title=title, slug=slug, exists=current is not None,
        tour_url=urls.path(routes.TOUR, slug=slug), edits=[edit_public(e) for e in edits],
    )  # fmt: skip


@router.get(routes.TOUR_HISTORY.path, name=routes.TOUR_HISTORY.name)
def tour_history_page(request: Request, slug: str, book: Notes, reader: Reader, page: PageNumber = 1) -> Response:
    """A tour's edits, newest first, each tour file before and after shown as text."""
    history = tour_history(book, reader, slug, page)
    return render(request, "tour_history.html", {"history": history, "json_url": history.api_url})
