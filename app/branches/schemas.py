"""Response models of a concatenating layer's branches."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import BranchPublic, Float32, LabelSourcePublic, UnitSummaryPublic


class BranchUnitPublic(UnitSummaryPublic):
    """A unit on a branch page: its grid entry and every per-unit score the store holds for it."""

    scores: dict[str, Float32] = Field(description="by score name (see the page's `scores`); absent: not measured")


class ScorePublic(BaseModel):
    """A per-unit score held for some units of the layer: what it means, and the bins its histograms count in."""

    name: str
    title: str
    meaning: str
    low: float
    high: float
    short: str = Field("", description="the abbreviation grid tiles show (empty: the title)")
    circular: bool = Field(False, description="an angle in degrees: its statistics are taken round the circle")
    bins: list[float] = Field(description="edges of every histogram of this score, low to high (one more than bins)")


class ScoreStatsPublic(BaseModel):
    """One score over one branch's units: how many are measured, their mean, median, spread and range, and the
    histogram. For an angle (the score's `circular`), mean, median and spread are taken round the circle
    (store.circle): 350° and 10° average to 0°, not 180°."""

    score: str
    count: int = Field(description="units of the branch that hold this score")
    mean: Float32 | None = Field(description="the mean; for an angle the circular mean (null: the angles balance out)")
    median: Float32 | None = Field(description="the median; for an angle the circular median")
    spread: Float32 | None = Field(
        description="the standard deviation; for an angle the circular standard deviation in degrees"
    )
    min: Float32 | None
    max: Float32 | None
    histogram: list[int] = Field(description="units per bin of the score's `bins` (values outside go to the end bins)")


class LabelGroupPublic(BaseModel):
    """A label group (a hand label up to its qualifier) and how many of a branch's units carry it."""

    family: str = Field(description="the label group's name (the key keeps its first name, `family`, for old clients)")
    units: int


class BranchDetailPublic(BranchPublic):
    """One branch of a concatenating layer: its units, their scores summarized, and their label groups."""

    layer: str | None = Field(description="the branch's own stored layer, when the store holds it")
    unit_list: list[BranchUnitPublic]
    scores: list[ScoreStatsPublic] = Field(description="one per score of the page's `scores`, in that order")
    labelled: int = Field(description="units of the branch with a hand label")
    label_families: list[LabelGroupPublic] = Field(
        description="the units' label groups, most units first (the key keeps its first name for old clients)"
    )


class BranchesPublic(BaseModel):
    """A concatenating layer's units grouped by branch, each branch with its units, scores and hand labels."""

    model: str
    layer: str
    units: int
    url: str
    api_url: str
    layer_url: str = Field(description="the layer's page (every unit in one grid)")
    scores: list[ScorePublic] = Field(description="the per-unit scores the store holds for this layer's units")
    branches: list[BranchDetailPublic] = Field(description="in unit order")
    label_sources: list[LabelSourcePublic] = Field(description="who made the units' hand labels")
