"""The instructor's forms: sign in with a token, write a unit's note, sign out. Every post is CSRF-checked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from app import routes, urls
from app.deps import UnitDep
from app.notes import instructors
from app.notes.instructors import CSRF_FIELD, FormAuthor, Notes, form_author
from app.notes.schemas import NoteIn
from app.web.templating import render
from app.web.writes import write_route

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
# The note form: its author is identified from the sign-in cookie before its body is read (app/web/writes.py).
writes = APIRouter(
    include_in_schema=False, default_response_class=HTMLResponse, route_class=write_route(APIRoute, form_author)
)
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]  # defaults to "": a post without it gets 403, not 422


def _local(path: str) -> str:
    """`path` if it is a path of this site, else the index (a sign-in form must not redirect elsewhere)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else urls.path(routes.INDEX)


def _sign_in_page(request: Request, next_page: str, error: str | None = None, status: int = 200) -> Response:
    token = instructors.csrf_token(request)
    context = {"csrf": token, "next": _local(next_page), "error": error, "author": instructors.cookie_author(request)}
    response = render(request, "instructor.html", context, status)
    instructors.keep_csrf(request, response, token)
    return response


@router.get(routes.INSTRUCTOR.path, name=routes.INSTRUCTOR.name)
def instructor_page(request: Request, next: str = "/") -> Response:
    """The sign-in form: an instructor's token unlocks the note forms on unit pages."""
    return _sign_in_page(request, next)


@router.post(routes.INSTRUCTOR.path, name=routes.INSTRUCTOR.name)
def sign_in(
    request: Request,
    book: Notes,
    csrf: CsrfField = "",
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the token and keep it in an HttpOnly cookie, then go back to the page the instructor came from."""
    instructors.require_csrf(request, csrf)
    if book.author_of(token.strip()) is None:
        return _sign_in_page(request, next, "That token is unknown or revoked.", 403)
    response = RedirectResponse(_local(next), status_code=303)
    instructors.sign_in(request, response, token.strip())
    return response


@router.post(routes.INSTRUCTOR_LOGOUT.path, name=routes.INSTRUCTOR_LOGOUT.name)
def sign_out(request: Request, csrf: CsrfField = "") -> Response:
    """Forget the instructor's cookie."""
    instructors.require_csrf(request, csrf)
    response = RedirectResponse(urls.path(routes.INSTRUCTOR), status_code=303)
    instructors.sign_out(response)
    return response


@writes.post(routes.UNIT_NOTE.path, name=routes.UNIT_NOTE.name)
def post_note(
    request: Request,
    author: FormAuthor,
    ctx: UnitDep,
    book: Notes,
    csrf: CsrfField = "",
    label: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Write the unit's note from the unit page's form (an empty label and note removes it)."""
    instructors.require_csrf(request, csrf)
    note = NoteIn(label=label.strip(), body=body)
    if note.label or note.body.strip():
        book.put(ctx.model.id, ctx.layer.name, ctx.unit, label=note.label, body=note.body, author=author)
    else:
        book.delete(ctx.model.id, ctx.layer.name, ctx.unit, author=author)
    return RedirectResponse(
        urls.path(routes.UNIT, model=ctx.model.id, layer=ctx.layer.name, unit=ctx.unit), status_code=303
    )


router.include_router(writes)
