"""A model's findings page: each check's verdict, numbers, thresholds, links and figure."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import routes
from app.findings.present import FindingsDep, finding_plots, findings_public
from app.web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get(routes.FINDINGS.path, name=routes.FINDINGS.name)
def findings_page(request: Request, data: FindingsDep) -> Response:
    """A model's findings: each check's verdict first, then its numbers, thresholds, links and figure."""
    page = findings_public(data)
    context = {"model": data.model, "page": page, "plots": finding_plots(page), "json_url": page.api_url}
    return render(request, "findings.html", context)
