"""JSON route of a model's findings: the course's phenomena measured on it, each passed or failed."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.findings.present import FindingsDep, findings_public
from app.findings.schemas import FindingsPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["models"], route_class=HandlerRoute)


@router.get(routes.API_FINDINGS.path, name=routes.API_FINDINGS.name, response_model=FindingsPublic)
def get_findings(data: FindingsDep) -> FindingsPublic:
    """A model's findings: each check's verdict, numbers, thresholds and the views that show it."""
    return findings_public(data)
