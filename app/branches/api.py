"""JSON route of a concatenating layer's units grouped by branch, with their scores and label groups."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.branches.present import branches_public
from app.branches.schemas import BranchesPublic
from app.deps import BranchesDep
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["layers"], route_class=HandlerRoute)


@router.get(routes.API_BRANCHES.path, name=routes.API_BRANCHES.name, response_model=BranchesPublic)
def get_branches(ctx: BranchesDep) -> BranchesPublic:
    """A layer's branches: each one's units, score histograms and summaries, and label groups."""
    return branches_public(ctx)
