"""Feature family pages: a layer's family, and a family across models."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes
from app.families.compare import CompareDep, compare_public
from app.families.present import FamilyDep, family_public, sparklines
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.FAMILY.path, name=routes.FAMILY.name)
def family_page(request: Request, data: FamilyDep) -> Response:
    """A layer's units that score highest for a family, by preferred orientation, with their tuning curves."""
    page = family_public(data)
    context = {"model": data.model, "page": page, "sparklines": sparklines(page.units), "json_url": page.api_url}
    return render(request, "family.html", context)


@router.get(routes.COMPARE.path, name=routes.COMPARE.name)
def compare_page(request: Request, data: CompareDep) -> Response:
    """A family across models: each layer's highest-scoring units, side by side."""
    page = compare_public(data)
    units = [u for m in page.models for layer in m.layers for u in layer.units]
    return render(request, "compare.html", {"page": page, "sparklines": sparklines(units), "json_url": page.api_url})
