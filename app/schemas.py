"""Response models shared by several resources: errors, label sources, score definitions, the unit bases, a branch
and an edge between two units. Each resource keeps its own in its package's `schemas.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer

from app.web.float32 import float32, float32_nested

# Computed in float32 (activations, weights, kernels); JSON shows each without float64's extra digits.
Float32 = Annotated[float, PlainSerializer(float32, return_type=float, when_used="json")]
Float32Array = Annotated[list[Any], PlainSerializer(float32_nested, return_type=list[Any], when_used="json")]


class ErrorPublic(BaseModel):
    """An error: what went wrong and what exists instead."""

    detail: str


class LabelSourcePublic(BaseModel):
    """Who made a set of hand-made unit labels: cite it (and keep its licence) when you use them."""

    key: str
    title: str
    authors: str
    year: int | None
    url: str
    license: str
    citation: str = Field(description="short citation, e.g. 'Olah et al. 2020'")


class ScoreDefinitionPublic(BaseModel):
    """A measured per-unit number (store.scores): its name, what it means and how it was computed, its range."""

    name: str = Field(description="the key in each unit's `scores`, e.g. 'bw_ratio'")
    title: str
    meaning: str = Field(description="its definition: how it is computed and how to read it")
    low: float
    high: float
    unit: str = Field("", description="what the number counts, e.g. '°' (empty for a ratio)")
    digits: int = Field(2, description="decimals the pages show")
    short: str = Field("", description="the abbreviation grid tiles show, e.g. 'OSI' (empty: the title)")
    circular: bool = Field(False, description="an angle: averaged round the circle")
    weak_below: float | None = Field(
        None, description="a family member scoring below this prefers other stimuli as much (pages say so)"
    )


class UnitBase(BaseModel):
    """What every view of a unit says: its number, reference, label, branch, pages, thumbnail and scores."""

    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None = Field(description="hand-made label, or the class name of an output unit")
    branch: str | None
    url: str = Field(description="canonical page")
    api_url: str
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")
    scores: dict[str, Float32] = Field(
        default_factory=dict, description="measured scores by name (see `score_definitions`), e.g. bw_ratio"
    )


class UnitSummaryPublic(UnitBase):
    """A unit in a layer grid."""

    label_source: str | None = Field(description="key of the hand label's source (see the layer's label_sources)")
    sort_value: Float32 | None = Field(
        None, description="its value under the grid's sort (null: unit order, or the unit has none)"
    )


class BranchPublic(BaseModel):
    """The units of a concatenating layer that one branch computes: a contiguous span."""

    name: str
    first: int = Field(description="the branch's first unit in this layer")
    units: int
    url: str | None = Field(description="the branch's own layer page, when the store holds it")


class EdgePublic(BaseModel):
    """A connection to a unit of the previous (inputs) or next (outputs) layer."""

    layer: str
    unit: int
    ref: str
    label: str | None = Field(description="the connected unit's hand label, or its class name for an output unit")
    weight: Float32
    kind: str
    kernel: Float32Array = Field(description="the spatial kernel as nested arrays (rows of columns)")
    url: str = Field(description="the connected unit's page")
    thumbnail: str | None
