"""JSON route of a circuit: units of consecutive layers and the stored kernels between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app import routes
from app.circuit.present import circuit_public, load
from app.circuit.query import EXAMPLE, FORMAT_HELP, ORDER_HELP, ORDER_PATTERN, UNITS_PATTERN, parse
from app.circuit.schemas import CircuitPublic
from app.deps import ModelDep, Reader
from app.schemas import ErrorPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["circuits"], route_class=HandlerRoute)

# Documented, not enforced by FastAPI: app.circuit.query answers a 400 that says exactly what is wrong.
Units = Annotated[str, Query(description=FORMAT_HELP, examples=[EXAMPLE], json_schema_extra={"pattern": UNITS_PATTERN})]
Order = Annotated[str, Query(description=ORDER_HELP, json_schema_extra={"pattern": ORDER_PATTERN})]


@router.get(
    routes.API_CIRCUIT.path,
    name=routes.API_CIRCUIT.name,
    response_model=CircuitPublic,
    responses={400: {"model": ErrorPublic, "description": "the unit list or order is malformed or does not join"}},
)
def get_circuit(reader: Reader, model_view: ModelDep, units: Units, order: Order = "given") -> CircuitPublic:
    """Units of 1–3 consecutive layers (`units=mixed3b:379,385;mixed4a:12`) and the spatial kernels between them."""
    return circuit_public(load(reader, model_view, parse(model_view, units, order)))
