"""A model's findings, declared once as a page and its JSON twin: each check's verdict, numbers, thresholds, links
and figure (`/models/{model}/findings`, `/api/v1/models/{model}/findings`)."""

from __future__ import annotations

from typing import Any

from app import routes
from app.findings.present import FindingsData, FindingsDep, finding_plots, findings_public
from app.findings.schemas import FindingsPublic
from app.web.page import Page


def _context(data: FindingsData, page: FindingsPublic) -> dict[str, Any]:
    return {"model": data.model, "plots": finding_plots(page), "json_url": page.api_url}


PAGE = Page(
    route=routes.FINDINGS,
    template="findings.html",
    fetch=FindingsDep,
    present=findings_public,
    response_model=FindingsPublic,
    description="A model's findings: each check's verdict, numbers, thresholds and the views that show it.",
    tags=("models",),
    context=_context,
)
