"""JSON routes of feature families: a layer's family by preferred orientation, and a family across models."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.api.handler_route import HandlerRoute
from app.compare import CompareDep, compare_public
from app.families import FamilyDep, family_public
from app.schemas import ComparePublic, ErrorPublic, FamilyPublic

router = APIRouter(tags=["families"], route_class=HandlerRoute)


@router.get(
    routes.API_FAMILY.path,
    name=routes.API_FAMILY.name,
    response_model=FamilyPublic,
    responses={400: {"model": ErrorPublic, "description": "a bad `top`"}},
)
def get_family(data: FamilyDep) -> FamilyPublic:
    """A layer's units that score highest for a family (curves, lines, colour, frequency), by preferred orientation."""
    return family_public(data)


@router.get(
    routes.API_COMPARE.path,
    name=routes.API_COMPARE.name,
    response_model=ComparePublic,
    responses={400: {"model": ErrorPublic, "description": "an unknown family or a bad `top`"}},
)
def get_compare(data: CompareDep) -> ComparePublic:
    """A family across models: in each layer of each model holding its score, the units that score highest."""
    return compare_public(data)
