"""The JSON API under /api/v1: one router per resource, mounted here with the API root."""

from __future__ import annotations

from fastapi import APIRouter

from app import routes, urls
from app.branches import api as branches
from app.circuit import api as circuit
from app.deps import Reader
from app.experiments import tensor as experiment_tensor
from app.families import api as families
from app.notes import api as notes
from app.notes import history_api as note_history
from app.probe import api as probe
from app.resources import PAGES
from app.schemas import ErrorPublic
from app.search import api as search
from app.tours import api as tours
from app.tours import history_api as tour_history
from app.units.api import data, layers, models, units
from app.units.present import model_summary
from app.units.schemas import ApiRootPublic
from app.web.handler_route import HandlerRoute
from app.weights import api as weights

# No prefix: each route carries its whole path (under /api/v1) from app.routes.
router = APIRouter(responses={404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}, route_class=HandlerRoute)


@router.get(routes.API_ROOT.path, name=routes.API_ROOT.name, response_model=ApiRootPublic, tags=["models"])
def api_root(reader: Reader) -> ApiRootPublic:
    """The store format version this service reads and the models it serves."""
    models = [model_summary(m) for m in reader.models()]
    return ApiRootPublic(format_version=reader.format_version, models=models, url=urls.path(routes.INDEX))


router.include_router(models.router)
router.include_router(layers.router)
router.include_router(branches.router)
router.include_router(units.router)
router.include_router(notes.router)
router.include_router(note_history.router)
router.include_router(tours.router)
router.include_router(tour_history.router)
router.include_router(weights.router)
router.include_router(data.router)
router.include_router(search.router)
router.include_router(circuit.router)
router.include_router(families.router)
for page in PAGES:  # the twins of the declared pages
    router.include_router(page.api_router())
router.include_router(probe.router)
router.include_router(experiment_tensor.api_router)
