"""JSON route of the label search: units whose hand labels contain the text."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.api.handler_route import HandlerRoute
from app.deps import Reader
from app.present import label_search
from app.schemas import SearchPublic

router = APIRouter(tags=["search"], route_class=HandlerRoute)


@router.get(routes.API_SEARCH.path, name=routes.API_SEARCH.name, response_model=SearchPublic)
def search_labels(reader: Reader, q: str = "") -> SearchPublic:
    """Units whose hand label contains `q` (any case), e.g. `q=dog heads`."""
    return label_search(q, reader.units_labelled(q.strip()) if q.strip() else [])
