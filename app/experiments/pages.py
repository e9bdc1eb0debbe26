"""The experiments run on a model, and each one's result, declared once as pages with their JSON twins
(`/models/{model}/experiments`, `/models/{model}/experiments/{spec}` and the same under `/api/v1`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app import routes, urls
from app.cards.previews import Preview, link_preview
from app.experiments.plots import accuracy_bars, rebuilt_curves, rebuilt_weights
from app.experiments.present import (
    ExperimentData,
    ExperimentDep,
    ExperimentsData,
    ExperimentsDep,
    experiment_public,
    experiments_public,
)
from app.experiments.schemas import ExperimentPublic, ExperimentsPublic
from app.schemas import ErrorPublic
from app.web.page import Page
from store.rules import CURVE_RULE


def _list_context(data: ExperimentsData, page: ExperimentsPublic) -> dict[str, Any]:
    return {"model": data.model, "json_url": page.api_url}


def _context(data: ExperimentData, page: ExperimentPublic) -> dict[str, Any]:
    return {
        "model": data.model,
        "bars": accuracy_bars(page),
        "curves": rebuilt_curves(page),
        "weights": rebuilt_weights(page),
        "json_url": page.api_url,
        "default_rule": CURVE_RULE.text,
        "live_experiments": data.worker,
    }


def _list_preview(request: Request, data: ExperimentsData, page: ExperimentsPublic) -> Preview:
    """A model's experiments: how many, and what they edit; the model's card."""
    model = data.model
    parts = [f"{len(page.experiments)} experiments on {model.title}", "units removed, weights cut, and what changed"]
    image = urls.path(routes.MODEL_CARD, model=model.id)
    return link_preview(request, f"Experiments · {model.id}", parts, image, page.url)


def _preview(request: Request, data: ExperimentData, page: ExperimentPublic) -> Preview:
    """An experiment: its edit and the accuracy it left; the edited layer's card."""
    parts = [page.title, data.model.title]
    if page.accuracy_before is not None and page.accuracy_after is not None:
        parts.append(f"accuracy {page.accuracy_before:.1%} → {page.accuracy_after:.1%}")
    image = urls.path(routes.LAYER_CARD, model=data.model.id, layer=page.layer)
    return link_preview(request, f"{page.title} · {data.model.id}", parts, image, page.url)


LIST = Page(
    route=routes.EXPERIMENTS,
    template="experiments.html",
    fetch=ExperimentsDep,
    present=experiments_public,
    response_model=ExperimentsPublic,
    description="The experiments run on a model: each edit of the network (units removed, weights cut) and what "
    "it did to the accuracy on the classes its family answers and on the others.",
    tags=("experiments",),
    context=_list_context,
    preview=_list_preview,
)
ONE = Page(
    route=routes.EXPERIMENT,
    template="experiment.html",
    fetch=ExperimentDep,
    present=experiment_public,
    response_model=ExperimentPublic,
    description="One experiment, named by its spec 'kind:layer:units' (e.g. 'ablate:mixed4a:40,51,54'; kinds: "
    "ablate, mean-ablate, cut-negative, cut-positive, rebuild): the accuracy per class without and with the edit, "
    "the next layer's units whose mean activation changed most, and orientation tuning without and with it. Read "
    "from the store when precomputed; otherwise run live by the service's experiment worker (503 when it has "
    "none, 504 past its time limit), and then never cached by the service (`cached` says whether the worker "
    "answered from its own cache). A rebuild takes `?rule=` (run live).",
    tags=("experiments",),
    context=_context,
    preview=_preview,
    live=lambda data: data.live,
    responses={
        404: {"model": ErrorPublic, "description": "no such model, layer or unit; a spec or rule that is not one"},
        502: {"model": ErrorPublic, "description": "the experiment worker failed"},
        503: {"model": ErrorPublic, "description": "not stored, and no experiment worker (or its queue is full)"},
        504: {"model": ErrorPublic, "description": "the live experiment took too long"},
    },
)
