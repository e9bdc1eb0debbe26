"""Who may write notes: an instructor's bearer token (API) or sign-in cookie (pages), and the forms' CSRF check.

Forms use a double-submit token: the sign-in page sets a random `microscope_csrf` cookie and every form carries the
same value in a hidden field; a post whose field and cookie differ (or lack) is refused. Another site can make a
browser send the cookie but cannot read it to fill in the field. Cookies are SameSite=Strict and HttpOnly.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from notes.book import Note, NotesBook
from notes.db import NotesDatabaseError

log = logging.getLogger("microscope.app")
SESSION_COOKIE = "microscope_instructor"  # holds the token itself: only its hash is stored server side
CSRF_COOKIE = "microscope_csrf"
CSRF_FIELD = "csrf"
SESSION_SECONDS = 12 * 3600  # a teaching day


def notes_book(request: Request) -> NotesBook:
    """The app's annotation database."""
    return request.app.state.notes


Notes = Annotated[NotesBook, Depends(notes_book)]


def readable_note(book: NotesBook, model: str, layer: str, unit: int) -> tuple[Note | None, str | None]:
    """The unit's note, or why notes cannot be read: a store page shows the rest of itself either way."""
    try:
        return book.note(model, layer, unit), None
    except NotesDatabaseError as error:
        log.warning("%s", error)
        return None, str(error)


def notes_generation(book: NotesBook) -> Callable[[], object]:
    """The response cache's key part for the notes: `NotesBook.cache_key`, the file read and its generation, or a
    mark while the database is unusable (so a store page is still served, and cached apart from the pages that show
    notes, and no page of a deleted or replaced file is ever found again)."""
    return book.cache_key


def bearer_author(request: Request) -> str:
    """The instructor named by `Authorization: Bearer <token>`: 401 without one, 403 when it is not a live token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        detail = "writing needs an instructor token: Authorization: Bearer <token>"
        raise HTTPException(401, detail, {"WWW-Authenticate": "Bearer"})
    author = notes_book(request).author_of(token.strip())
    if author is None:
        raise HTTPException(403, "this token is unknown or revoked")
    return author


def form_author(request: Request) -> str:
    """The instructor signed in on this browser, for a form post: 403 without a live sign-in cookie or a CSRF cookie
    (the form's CSRF field, in the body, is checked against it once the body is read)."""
    author = cookie_author(request)
    if author is None:
        raise HTTPException(403, "sign in as an instructor (with a live token) to write notes and tours")
    if not request.cookies.get(CSRF_COOKIE):
        raise HTTPException(403, "this form has expired or came from another site: reload the page and try again")
    return author


def identified(identify: Callable[[Request], str]) -> Callable[[Request], str]:
    """A dependency giving the author a write route identified before reading the body (app/web/writes.py), or, on a
    route that did not, identifying them now."""

    def author(request: Request) -> str:
        return getattr(request.state, "author", None) or identify(request)

    return author


BearerAuthor = Annotated[str, Depends(identified(bearer_author))]
FormAuthor = Annotated[str, Depends(identified(form_author))]


def cookie_author(request: Request) -> str | None:
    """The instructor signed in on this browser, else None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    return notes_book(request).author_of(token) if token else None


def page_author(request: Request) -> str | None:
    """The signed-in instructor a store page offers the note form to: None too while the notes cannot be read."""
    try:
        return cookie_author(request)
    except NotesDatabaseError:
        return None


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: its cookie's value, or a new one (set it with `keep_csrf`)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def keep_csrf(request: Request, response: Response, token: str) -> None:
    """Set the CSRF cookie and mark the page private: it carries a per-browser secret."""
    secure = request.url.scheme == "https"
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    response.headers["cache-control"] = "no-store, private"


def require_csrf(request: Request, submitted: str) -> None:
    """403 unless the form's CSRF field equals the browser's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise HTTPException(403, "this form has expired or came from another site: reload the page and try again")


def sign_in(request: Request, response: Response, token: str) -> None:
    """Keep the instructor's token in an HttpOnly cookie."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=secure, path="/"
    )


def sign_out(response: Response) -> None:
    """Forget the instructor's cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")
