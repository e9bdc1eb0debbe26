"""JSON routes of models: the list and one model with its layers."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes
from app.deps import ModelDep, Reader
from app.units.present import PREVIEW_UNITS, model_public, model_summary
from app.units.schemas import ModelPublic, ModelSummaryPublic
from app.web.handler_route import HandlerRoute

router = APIRouter(tags=["models"], route_class=HandlerRoute)


@router.get(routes.API_MODELS.path, name=routes.API_MODELS.name, response_model=list[ModelSummaryPublic])
def list_models(reader: Reader) -> list[ModelSummaryPublic]:
    """Every stored model."""
    return [model_summary(m) for m in reader.models()]


@router.get(routes.API_MODEL.path, name=routes.API_MODEL.name, response_model=ModelPublic)
def get_model(reader: Reader, model_view: ModelDep) -> ModelPublic:
    """A model: weights hash, input spec, class labels and its layers in forward order."""
    return model_public(model_view, reader.previews(model_view.id, PREVIEW_UNITS))
