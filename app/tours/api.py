"""JSON of tours: anyone reads them; PUT and DELETE of a tour need `Authorization: Bearer <instructor token>`."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.exceptions import HTTPException

from app import routes
from app.deps import Reader
from app.notes.api import WRITE_ERRORS
from app.notes.instructors import BearerAuthor, Notes, bearer_author
from app.tours import present as tours
from app.tours.schemas import TourPublic, ToursPublic
from app.web.errors import NotFound
from app.web.handler_route import HandlerRoute, methods_route
from app.web.writes import write_route
from notes import tours as tour_book

router = APIRouter(tags=["tours"], route_class=HandlerRoute)
# PUT and DELETE identify their author from the token before the body is read (app/web/writes.py).
one = APIRouter(tags=["tours"], route_class=write_route(methods_route("GET", "PUT", "DELETE"), bearer_author))


@router.get(routes.API_TOURS.path, name=routes.API_TOURS.name, response_model=ToursPublic)
def list_tours(book: Notes, reader: Reader) -> ToursPublic:
    """Every tour: those saved by instructors and those shipped for the models this store serves."""
    return tours.tours_public(tours.tour_list(book, reader))


@one.get(routes.API_TOUR.path, name=routes.API_TOUR.name, response_model=TourPublic)
def get_tour(tour: tours.TourDep, reader: Reader, book: Notes) -> TourPublic:
    """A tour's stops, each with its units' images, labels and top examples, and its caption (Markdown rendered
    without raw HTML)."""
    return tours.tour_public(tour, reader, tours.instructor_labels(book))


@one.put(routes.API_TOUR.path, name=routes.API_TOUR.name, response_model=TourPublic, responses=WRITE_ERRORS)
def put_tour(slug: str, author: BearerAuthor, book: Notes, reader: Reader, tour: tours.CheckedTour) -> TourPublic:
    """Save a tour (a tour file as JSON; its slug must be the path's). The audit trail keeps what it replaced."""
    if tour.slug != slug:
        raise HTTPException(
            422, f"the tour's slug {tour.slug!r} differs from the address's {slug!r}; PUT it at its own"
        )
    return tours.tour_public(tour_book.put(book, tour, author=author), reader, tours.instructor_labels(book))


@one.delete(routes.API_TOUR.path, name=routes.API_TOUR.name, status_code=204, responses=WRITE_ERRORS)
def delete_tour(slug: str, author: BearerAuthor, book: Notes) -> Response:
    """Remove a saved tour (the audit trail keeps it); a shipped tour of the same slug shows again."""
    if not tour_book.delete(book, slug, author=author):
        saved = ", ".join(t.slug for t in tour_book.stored(book)) or "none"
        raise NotFound(f"no saved tour {slug!r} (shipped tours are read-only); saved tours: {saved}")
    return Response(status_code=204)


router.include_router(one)
