"""Errors in one style: JSON `{"detail": ...}` under /api, an HTML page elsewhere, with the right status."""

from __future__ import annotations

import logging
import reprlib
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import routes, urls
from app.web.templating import render
from notes.db import NotesDatabaseError
from store.db import DatabaseError, damaged

Link = tuple[str, str]  # (text, href)
log = logging.getLogger("microscope.app")
MAX_PROBLEMS = 5  # problems a validation message lists


def _quoting() -> reprlib.Repr:
    """What a validation message quotes of an input: the start of a string, a few items of a list or object."""
    quote = reprlib.Repr()  # keyword arguments only from Python 3.12
    quote.maxlevel, quote.maxstring, quote.maxother, quote.maxlong = 2, 60, 60, 40
    quote.maxlist = quote.maxtuple = quote.maxdict = quote.maxset = 4
    return quote


_QUOTE = _quoting()


def quoted(value: object) -> str:
    """`value` as a message quotes what was sent: its repr, cut short."""
    return _QUOTE.repr(value)


DAMAGED_STORE = (
    "the store could not be read here: part of its database is damaged; the server's log names the file, "
    "and `microscope check` lists the damage"
)


class NotFound(StarletteHTTPException):
    """A 404 whose message names what exists, with links to it for the HTML page."""

    def __init__(self, detail: str, links: Sequence[Link] = ()) -> None:
        super().__init__(status_code=404, detail=detail)
        self.links = list(links)


def wants_json(request: Request) -> bool:
    """Whether the request is for the API (JSON) rather than a page."""
    path = request.url.path
    return path == urls.API or path.startswith(urls.API + "/")


def error_response(request: Request, status: int, detail: str, links: Sequence[Link] = ()) -> Response:
    """The error as JSON under /api, as an HTML page elsewhere."""
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    all_links = [*links, ("All models", urls.path(routes.INDEX))]
    return render(request, "error.html", {"status": status, "detail": detail, "links": all_links}, status)


def validation_message(exc: RequestValidationError) -> str:
    """One readable sentence per invalid parameter, e.g. "unit must be a non-negative integer, got 'abc'"; what was
    sent is quoted cut short (a message never repeats a body)."""
    parts = []
    for error in exc.errors()[:MAX_PROBLEMS]:
        name = str(error["loc"][-1]) if error.get("loc") else "request"
        if name == "unit":
            parts.append(f"unit must be a non-negative integer, got {quoted(error.get('input'))}")
        else:
            parts.append(f"{name}: {error['msg']} (got {quoted(error.get('input'))})")
    more = len(exc.errors()) - MAX_PROBLEMS
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = error_response(request, exc.status_code, detail, getattr(exc, "links", ()))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return error_response(request, 422, validation_message(exc))


async def _database_error(request: Request, exc: DatabaseError) -> Response:
    # One line, not a traceback: the cause is the file on disk, not the code; it names the file and what to do.
    log.error("%s %s: %s", request.method, request.url.path, damaged(request.app.state.reader.location.db_url, exc))
    return error_response(request, 500, DAMAGED_STORE)


async def _notes_database_error(request: Request, exc: NotesDatabaseError) -> Response:
    # The notes database, not the store: its own message (naming MICROSCOPE_NOTES_DB), and 503 since the service
    # itself is sound and the store's pages still work.
    log.error("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request, 503, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette still logs the traceback of a bug; the client gets the API's format instead of plain text.
    return error_response(request, 500, "internal server error")


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(NotesDatabaseError, _notes_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)
