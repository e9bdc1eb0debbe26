"""The branch page of a concatenating layer: its units by branch, with score histograms and label groups."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes
from app.branches.present import branch_plots, branches_public
from app.deps import BranchesDep
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.BRANCHES.path, name=routes.BRANCHES.name)
def branches_page(request: Request, ctx: BranchesDep) -> Response:
    """A concatenating layer's units grouped by branch, with score histograms and label groups."""
    page = branches_public(ctx)
    context = {"model": ctx.model, "page": page, "plots": branch_plots(page), "json_url": page.api_url}
    return render(request, "branches.html", context)
