"""JSON routes of feature families: a layer's family by preferred orientation, and a family across models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app import routes
from app.families.compare import CompareDep, compare_public
from app.families.present import FamilyDep, family_public
from app.families.schemas import ComparePublic, FamilyPublic
from app.routes import Route
from app.schemas import ErrorPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["families"], route_class=HandlerRoute)


def _get(route: Route, response: type[BaseModel], bad_query: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a GET of `route` answering `response`, or a 400 for `bad_query` (what the query may get wrong)."""
    errors = {400: {"model": ErrorPublic, "description": bad_query}}
    return router.get(route.path, name=route.name, response_model=response, responses=errors)


@_get(routes.API_FAMILY, FamilyPublic, "a bad `top`")
def get_family(data: FamilyDep) -> FamilyPublic:
    """A layer's units that score highest for a family (curves, lines, colour, frequency), by preferred orientation."""
    return family_public(data)


@_get(routes.API_COMPARE, ComparePublic, "an unknown family or a bad `top`")
def get_compare(data: CompareDep) -> ComparePublic:
    """A family across models: in each layer of each model holding its score, the units that score highest."""
    return compare_public(data)
