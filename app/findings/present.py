"""A model's findings (`/models/{model}/findings`): the course's phenomena measured on it by precompute.findings, each
a check with its verdict, numbers, thresholds and links to the views that show it.

One reader call (the stored findings). A store of a format before findings were kept, or one whose precompute did
not measure them, is served: the page says they were not computed for this store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from markupsafe import Markup

from app import routes, urls
from app.circuit.query import MAX_UNITS
from app.deps import ModelDep, Reader
from app.findings.schemas import FindingLinkPublic, FindingPublic, FindingsPublic
from app.plots.weights_by_angle import weights_by_angle_svg
from store.findings_read import Finding
from store.records import ModelView

NOT_COMPUTED = "Findings were not computed for this store: run `microscope precompute` (or `microscope demo`) again."
OLD_FORMAT = "Findings were not computed for this store: its format predates them (run the precompute again)."


@dataclass(frozen=True)
class FindingsData:
    """What the store holds for a model's findings (None: its format keeps none)."""

    model: ModelView
    stored: list[Finding] | None


def get_findings(reader: Reader, model_view: ModelDep) -> FindingsData:
    """The findings of the model named by the path (404 naming the stored models otherwise)."""
    return FindingsData(model_view, reader.findings(model_view.id))


FindingsDep = Annotated[FindingsData, Depends(get_findings)]

_LINKS: dict[str, Callable[..., str]] = {
    "unit": lambda m, layer, unit: urls.path(routes.UNIT, model=m, layer=layer, unit=unit),
    "family": lambda m, layer, family: urls.path(routes.FAMILY, model=m, layer=layer, family=family),
    "circuit": lambda m, groups: urls.circuit_page(m, [(layer, _spread(units)) for layer, units in groups]),
    "branches": lambda m, layer: urls.path(routes.BRANCHES, model=m, layer=layer),
    "weights": lambda m, layer: urls.path(routes.LAYER_WEIGHTS, model=m, layer=layer),
    "layer": lambda m, layer, sort: urls.path(routes.LAYER, {"sort": sort}, model=m, layer=layer),
    "compare": lambda m, family: urls.path(routes.COMPARE, {"family": family}),
    "findings": lambda m, model: urls.path(routes.FINDINGS, model=model),
}


def _spread(units: list[int]) -> list[int]:
    """At most a circuit's units per layer, evenly spread over `units` (ordered by orientation: round the circle)."""
    if len(units) <= MAX_UNITS:
        return units
    return [units[i * len(units) // MAX_UNITS] for i in range(MAX_UNITS)]


def link_public(model: str, stored: dict[str, Any]) -> FindingLinkPublic | None:
    """A stored link as a URL built by app.urls (None for a kind this app does not know)."""
    build = _LINKS.get(stored.get("kind", ""))
    params = {k: v for k, v in stored.items() if k not in ("kind", "label")}
    return None if build is None else FindingLinkPublic(label=stored["label"], url=build(model, **params))


def finding_public(model: str, stored: Finding) -> FindingPublic:
    """One stored finding, its links as URLs."""
    links = [found for item in stored.get("links", []) if (found := link_public(model, item)) is not None]
    fields = {name: stored.get(name) for name in FindingPublic.model_fields if name != "links"}
    return FindingPublic(**{**fields, "rows": stored.get("rows") or [], "links": links})


def findings_public(data: FindingsData) -> FindingsPublic:
    """The findings page's content."""
    model = data.model.id
    found = [finding_public(model, f) for f in data.stored or []]
    message = None if found else (OLD_FORMAT if data.stored is None else NOT_COMPUTED)
    return FindingsPublic(
        model=model,
        computed=bool(found),
        message=message,
        findings=found,
        model_url=urls.path(routes.MODEL, model=model),
        url=urls.path(routes.FINDINGS, model=model),
        api_url=urls.path(routes.API_FINDINGS, model=model),
    )


def finding_plots(page: FindingsPublic) -> dict[str, Markup]:
    """Each finding's figure, by key: the weights by orientation difference of the equivariance finding (each pair
    of units a dot where the finding kept them)."""
    plots = {}
    for f in page.findings:
        if f.plot and f.plot.get("bins"):
            label = f"summed weight {f.plot['from']} → {f.plot['to']} by difference of preferred orientation"
            points = [(float(d), float(w), str(name)) for d, w, name in f.plot.get("points", [])]
            plots[f.key] = weights_by_angle_svg(f.plot["bins"], label=label, points=points)
    return plots
