"""JSON route of a circuit: units of consecutive layers and the stored kernels between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app import routes
from app.circuit.present import circuit_public, labelled, load
from app.circuit.query import (
    DEFAULT_SCALE,
    EXAMPLE,
    FORMAT_HELP,
    ORDER_HELP,
    ORDER_PATTERN,
    SCALE_HELP,
    SCALES,
    UNITS_PATTERN,
    parse,
)
from app.circuit.schemas import CircuitPublic
from app.deps import ModelDep, Reader
from app.notes.instructors import Notes
from app.schemas import ErrorPublic
from app.units.present import instructor_notes
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["circuits"], route_class=HandlerRoute)

# Documented, not enforced by FastAPI: app.circuit.query answers a 400 that says exactly what is wrong.
Units = Annotated[str, Query(description=FORMAT_HELP, examples=[EXAMPLE], json_schema_extra={"pattern": UNITS_PATTERN})]
Order = Annotated[str, Query(description=ORDER_HELP, json_schema_extra={"pattern": ORDER_PATTERN})]
Scale = Annotated[str, Query(description=SCALE_HELP, json_schema_extra={"enum": list(SCALES)})]


@router.get(
    routes.API_CIRCUIT.path,
    name=routes.API_CIRCUIT.name,
    response_model=CircuitPublic,
    responses={
        400: {"model": ErrorPublic, "description": "the unit list, order or scale is malformed or does not join"}
    },
)
def get_circuit(
    reader: Reader,
    model_view: ModelDep,
    book: Notes,
    units: Units,
    order: Order = "given",
    scale: Scale = DEFAULT_SCALE,
) -> CircuitPublic:
    """Units of 1–3 consecutive layers (`units=mixed3b:379,385;mixed4a:12`), labelled (by their instructor's note
    where the store has no label), the spatial kernels between them and the colour scale each row of kernels is on."""
    query = parse(model_view, units, order, scale=scale)
    return circuit_public(labelled(load(reader, model_view, query), instructor_notes(book)))
