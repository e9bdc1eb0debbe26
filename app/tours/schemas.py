"""Response models of tours (`/api/v1/tours`, `/api/v1/tours/{slug}`); a tour is written as a `TourFile`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.web.paging import TrailPagePublic


class TourImagePublic(BaseModel):
    """A unit as a stop shows it: its feature visualization, and beside it the evidence, its top dataset examples."""

    ref: str = Field(description="layer:unit")
    label: str | None
    image_url: str | None = Field(
        description="the unit's feature visualization of the kind that reads best: its neuron picture where stored, "
        "else its channel one; null when it has neither"
    )
    image_kind: str | None = Field(None, description="that picture's kind: neuron or channel (null: no image)")
    image_transparent: bool = Field(
        False, description="whether it was drawn transparent: what the unit does not need fades to grey"
    )
    examples: list[str] = Field(
        default_factory=list, description="its first top dataset examples' crops, best first (empty: none stored)"
    )
    url: str = Field(description="the unit's page")


class ClaimPublic(BaseModel):
    """A stop's checkable claim and what the served store measures of it now."""

    claim: str = Field(description="the claim in a line, e.g. 'top_examples curve ≥ 0.75'")
    kind: str = Field(description="its kind: score, top_examples, orientation, rank, response, branch, …")
    unit: str | None = Field(description="layer:unit it is about on a circuit stop; null: the stop's units")
    status: Literal["holds", "fails", "unchecked"] = Field(
        description="'fails' when the store contradicts it; 'unchecked' when the unit or the data is missing"
    )
    measured: str = Field(description="the value measured now, or why it cannot be checked")


class TourExperimentPublic(BaseModel):
    """The stored experiment an experiment stop shows: what it edited, and what it measured (accuracies 0–1), as its
    page shows them; the names are those of the stop's claims and placeholders (`{{ experiment won_back }}`)."""

    spec: str = Field(description="kind:layer:units")
    title: str
    kind: str
    description: str = Field(description="what the kind of edit does")
    family: str | None = Field(description="the family of the layer whose units it edits, when it edits one")
    source_layer: str | None = Field(None, description="a rebuild's: the previous layer, whose units the rule reads")
    family_before: float | None = Field(None, description="the family's classes' accuracy without the edit")
    family_after: float | None = Field(None, description="with the edit (a rebuild's: with its units rebuilt)")
    family_removed: float | None = Field(None, description="a rebuild's: with the same units removed instead")
    others_change: float | None = Field(None, description="the other classes' accuracy, with the edit − without")
    won_back: float | None = Field(
        None, description="a rebuild's: of what removing the units costs the family's classes, the share won back"
    )
    tuning_r: float | None = Field(None, description="a rebuild's: r of rebuilt with real tuning curves, averaged")


class TourStopPublic(BaseModel):
    """One stop: a unit, a circuit or a stored experiment, its images, and its caption rendered without raw HTML."""

    number: int = Field(description="1-based position in the tour")
    kind: Literal["unit", "circuit", "experiment"]
    target: str = Field(
        description="model/layer:unit, model/ and a circuit's units, or model/ and an experiment's spec"
    )
    model: str
    title: str
    caption: str = Field(description="Markdown as written")
    caption_filled: str = Field(description="the caption with each {{ placeholder }} filled from the store")
    caption_html: str = Field(description="the filled caption rendered: Markdown without raw HTML")
    claims: list[ClaimPublic] = Field(description="what the stop claims of its units, checked against the store")
    failing: int = Field(description="how many of its claims the store contradicts now")
    found: bool = Field(description="whether the served store has this unit, circuit or experiment")
    missing: str | None = Field(description="why the stop is not shown, when it is not found")
    images: list[TourImagePublic] = Field(description="its units (an experiment stop's: the units it edits)")
    experiment: TourExperimentPublic | None = Field(None, description="an experiment stop's experiment, when found")
    url: str | None = Field(description="the unit's, circuit's or experiment's page; null when not found")
    api_url: str | None
    present_url: str = Field(description="the presentation mode, opened at this stop")


class TourSummaryPublic(BaseModel):
    """A tour in the tour list."""

    slug: str
    title: str
    description: str = Field(description="Markdown as written")
    author: str
    updated: datetime
    stops: int = Field(description="how many stops")
    shipped: bool = Field(description="ships with Microscope (read-only; a saved tour of the same slug replaces it)")
    url: str
    api_url: str
    present_url: str


class TourPublic(TourSummaryPublic):
    """A tour with its stops."""

    created: datetime
    description_html: str
    stop_list: list[TourStopPublic] = Field(description="the stops in order")
    index_url: str = Field(description="every tour")


class ToursPublic(BaseModel):
    """Every tour the served store can show."""

    tours: list[TourSummaryPublic]
    url: str
    api_url: str


class TourEditPublic(BaseModel):
    """One entry of a tour's audit trail: who changed it, when, how, and the tour file before and after as YAML
    (null where there was no saved tour), shown as text."""

    slug: str
    author: str
    at: datetime
    action: str = Field(description="'create', 'update', 'delete' or 'import'")
    summary: list[str] = Field(description="what changed, e.g. 'title changed', '2 stops added'")
    before: str | None = Field(description="the tour file before the edit (YAML), or null")
    after: str | None = Field(description="the tour file after the edit (YAML), or null")


class TourHistoryPublic(TrailPagePublic):
    """A page of a tour's audit trail, newest first (kept after the tour is deleted)."""

    title: str
    slug: str
    exists: bool = Field(description="whether the tour can be shown now (false once deleted)")
    tour_url: str = Field(description="the tour's page")
    edits: list[TourEditPublic]
