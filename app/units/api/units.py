"""JSON routes of units: one unit, and unit references that redirect to it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from app import routes, urls
from app.deps import Reader, UnitDep, resolve_ref
from app.notes.instructors import Notes, readable_note
from app.units.experiments import UnitEditsDep
from app.units.present import unit_public
from app.units.schemas import UnitPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["units"], route_class=HandlerRoute)

# A redirect has no body: the schema says so, and names the header that carries the target.
REDIRECT = {
    302: {
        "description": "Found: the unit's canonical JSON is at `Location`",
        "headers": {"Location": {"description": "the unit's canonical JSON URL", "schema": {"type": "string"}}},
    }
}


@router.get(routes.API_UNIT.path, name=routes.API_UNIT.name, response_model=UnitPublic)
def get_unit(ctx: UnitDep, book: Notes, edits: UnitEditsDep) -> UnitPublic:
    """A unit: feature visualizations, top dataset examples, strongest inputs and outputs, its note, and the stored
    experiments that edit it."""
    return unit_public(ctx, *readable_note(book, ctx.model.id, ctx.layer.name, ctx.unit), **edits.fields())


def _redirect(reader: Reader, model: str, ref: str) -> RedirectResponse:
    model_view, layer, unit = resolve_ref(reader, model, ref)
    return RedirectResponse(
        urls.path(routes.API_UNIT, model=model_view.id, layer=layer.name, unit=unit), status_code=302
    )


@router.get(
    routes.API_UNIT_SEARCH.path,
    name=routes.API_UNIT_SEARCH.name,
    response_model=None,
    response_class=RedirectResponse,
    status_code=302,
    responses=REDIRECT,
)
def unit_by_query(reader: Reader, model: str, ref: str = "") -> RedirectResponse:
    """Redirect `?ref=layer:unit` (or an alias like `4b:409`) to the unit's canonical JSON."""
    return _redirect(reader, model, ref)


@router.get(
    routes.API_UNIT_REF.path,
    name=routes.API_UNIT_REF.name,
    response_model=None,
    response_class=RedirectResponse,
    status_code=302,
    responses=REDIRECT,
)
def unit_by_ref(reader: Reader, model: str, ref: str) -> RedirectResponse:
    """Redirect a unit reference (`layer:unit`, or an alias like `4b:409`) to the unit's canonical JSON."""
    return _redirect(reader, model, ref)
