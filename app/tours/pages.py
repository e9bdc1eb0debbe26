"""Tour pages: the list, a tour, its presentation mode, and the instructor's editor (a tour file in a text box).

Reading is public. Saving (POST /tours) and deleting need a signed-in instructor and pass the CSRF check; their
writes bump the notes' generation, which keys the response cache, so no cached page outlives them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from app import routes, urls
from app.cards import previews
from app.deps import Reader
from app.notes import instructors
from app.notes.instructors import CSRF_FIELD, FormAuthor, Notes, form_author
from app.tours import present as tours
from app.tours.present import TourDep
from app.web.limits import setting
from app.web.templating import render
from app.web.writes import write_route
from notes import tours as tour_book
from notes.tour_file import StopFile, TourFile, dump

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
# Saving and deleting: the author is identified from the sign-in cookie before the body is read (app/web/writes.py).
writes = APIRouter(
    include_in_schema=False, default_response_class=HTMLResponse, route_class=write_route(APIRoute, form_author)
)
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]


def _private(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render with the signed-in instructor (if any) and their CSRF token; such a page is never cached."""
    context["instructor"] = author = instructors.cookie_author(request)
    context["csrf"] = csrf = instructors.csrf_token(request) if author else None
    response = render(request, name, context, status)
    if csrf:
        instructors.keep_csrf(request, response, csrf)
    return response


NewSlug = Annotated[str | None, Query(max_length=200, description="the address of a tour to write")]


@router.get(routes.TOURS.path, name=routes.TOURS.name)
def tours_page(request: Request, book: Notes, reader: Reader, new: NewSlug = None) -> Response:
    """Every tour, with a link to present each, and the form that starts a new one: `?new=SLUG` goes to the editor
    of that address when it is a valid slug no tour holds yet, else the list says why."""
    found = tours.tours_public(tours.tour_list(book, reader))
    context: dict[str, Any] = {"found": found, "json_url": found.api_url, "new": new, "new_error": None}
    if new is not None:
        context["new_error"] = error = _new_slug_error(new.strip(), [t.slug for t in found.tours])
        if error is None:
            return RedirectResponse(urls.path(routes.TOUR_EDIT, slug=new.strip()), status_code=303)
    return _private(request, "tours.html", context, 200 if context["new_error"] is None else 422)


def _new_slug_error(slug: str, taken: list[str]) -> str | None:
    """Why a new tour cannot start at `slug`, or None."""
    if not _slug_ok(slug):
        return f"{slug!r} cannot be a tour's address: lower-case letters, digits and -, starting with a letter or digit"
    if slug in taken:
        return f"a tour at /tours/{slug} exists already: open it and edit it, or choose another address"
    return None


@writes.post(routes.TOURS.path, name=routes.TOURS.name)
def save_tour(
    request: Request, author: FormAuthor, book: Notes, csrf: CsrfField = "", tour: Annotated[str, Form()] = ""
) -> Response:
    """Save the editor's tour file (YAML or JSON), replacing the saved tour of its slug; back to the editor on error."""
    instructors.require_csrf(request, csrf)
    size, limit = len(tour.encode()), request.app.state.settings.limits.tour_bytes
    if size > limit:  # the form, encoded, was bounded before it was read; this is the file in it
        error = f"this tour file of {size:,} bytes is over the limit of {limit:,} ({setting('tour_bytes')})"
        return _private(request, "tour_edit.html", {"text": tour, "error": error, "slug": None}, 413)
    try:
        written = tour_book.put(book, tours.tour_check(request).parse(tour, "the tour file"), author=author)
    except ValueError as error:  # a bad file (400), or stops this store lacks (422: tours.StopsNotInStore)
        context = {"text": tour, "error": str(error), "slug": None}
        return _private(request, "tour_edit.html", context, getattr(error, "status_code", 400))
    return RedirectResponse(urls.path(routes.TOUR, slug=written.slug), status_code=303)


def _shown(request: Request, tour: TourDep, reader: Reader, book: Notes) -> dict[str, Any]:
    """What the tour page and presentation mode draw: the tour's stops, its circuit stops' kernel grids, its preview."""
    found = tours.tour_public(tour, reader, tours.instructor_labels(book))
    return {
        "tour": found,
        "json_url": found.api_url,
        "preview": _preview(request, found),
        "stop_grids": tours.circuit_grids(tour, reader),
    }


@router.get(routes.TOUR.path, name=routes.TOUR.name)
def tour_page(request: Request, tour: TourDep, reader: Reader, book: Notes) -> Response:
    """A tour: every stop with its images, caption and links."""
    return _private(request, "tour.html", _shown(request, tour, reader, book))


@router.get(routes.TOUR_PRESENT.path, name=routes.TOUR_PRESENT.name)
def tour_present(request: Request, tour: TourDep, reader: Reader, book: Notes) -> Response:
    """The tour one stop at a time, large, moved through with the keyboard (frontend/static/tour.js)."""
    return render(request, "tour_present.html", _shown(request, tour, reader, book))


@router.get(routes.TOUR_EDIT.path, name=routes.TOUR_EDIT.name)
def tour_edit(request: Request, slug: str, book: Notes, reader: Reader) -> Response:
    """The editor: the tour's file (or a starting one for a new slug) in a text box, for a signed-in instructor."""
    known = {t.slug: t for t in tours.tour_list(book, reader)}
    document = known[slug].document() if slug in known else _starter(slug, reader)
    context = {"text": dump(document), "error": None, "slug": slug, "saved": slug in known}
    return _private(request, "tour_edit.html", context)


@writes.post(routes.TOUR_DELETE.path, name=routes.TOUR_DELETE.name)
def delete_tour(request: Request, slug: str, author: FormAuthor, book: Notes, csrf: CsrfField = "") -> Response:
    """Remove the saved tour `slug` (a shipped tour of that slug shows again)."""
    instructors.require_csrf(request, csrf)
    tour_book.delete(book, slug, author=author)
    return RedirectResponse(urls.path(routes.TOURS), status_code=303)


def _starter(slug: str, reader: Reader) -> TourFile:
    """A one-stop tour to start from: the first unit of the store's first model."""
    models = [m for m in reader.models() if m.layers]
    target = f"{models[0].id}/{models[0].layers[0].name}:0" if models else "model/layer:0"
    safe = slug if _slug_ok(slug) else "new-tour"
    stop = StopFile(unit=target, caption="What to look at here (Markdown).")
    return TourFile(slug=safe, title="A new tour", description="What this tour shows (Markdown).", stops=[stop])


def _slug_ok(slug: str) -> bool:
    try:
        TourFile.model_validate({"slug": slug, "title": "t", "stops": [{"unit": "m/l:0"}]})
    except ValueError:
        return False
    return True


def _preview(request: Request, tour: Any) -> previews.Preview:
    """The tour's link preview: its title, stop count and author; the card of its first unit stop."""
    first = next((s for s in tour.stop_list if s.found and s.kind == "unit"), None)
    image = urls.static("favicon.svg")
    if first is not None:
        layer, _, unit = first.target.partition("/")[2].partition(":")
        image = urls.path(routes.UNIT_CARD, model=first.model, layer=layer, unit=int(unit))
    parts = [
        f"a tour of {tour.stops} stops by {tour.author}",
        tour.description.splitlines()[0] if tour.description else "",
    ]
    return previews.Preview(
        f"{tour.title} · Microscope tour", " · ".join(p for p in parts if p),
        previews.absolute(request, image), previews.absolute(request, tour.url),
    )  # fmt: skip


router.include_router(writes)
