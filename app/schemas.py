"""Response models of the JSON API (the pages render the same objects)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorPublic(BaseModel):
    """An error: what went wrong and what exists instead."""

    detail: str


class UnitSummaryPublic(BaseModel):
    """A unit in a layer grid."""

    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None
    branch: str | None
    url: str
    api_url: str
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")


class LayerSummaryPublic(BaseModel):
    """A layer as the model lists it, with a few unit thumbnails."""

    name: str
    kind: str
    units: int
    shape: list[int] = Field(description="[units, height, width] for conv layers, [units] otherwise")
    url: str
    api_url: str
    preview: list[UnitSummaryPublic] = Field(description="the first few units")


class ModelSummaryPublic(BaseModel):
    """A model as the index lists it."""

    id: str
    title: str
    description: str
    architecture: str
    layer_count: int
    url: str
    api_url: str


class ModelPublic(BaseModel):
    """A model: where its weights came from, what it takes as input, and its layers in forward order."""

    id: str
    title: str
    description: str
    architecture: str
    weights_hash: str
    input_spec: dict[str, Any]
    class_labels: list[str]
    url: str
    api_url: str
    layers: list[LayerSummaryPublic]


class ReceptiveFieldPublic(BaseModel):
    """A unit's receptive field in input pixels."""

    size: int
    stride: float


class LayerPublic(BaseModel):
    """A layer and every one of its units."""

    model: str
    name: str
    kind: str
    units: int
    shape: list[int]
    rf: ReceptiveFieldPublic
    previous: str | None = Field(description="the previous browsable layer's id")
    next: str | None = Field(description="the next browsable layer's id")
    previous_url: str | None
    next_url: str | None
    url: str
    api_url: str
    unit_list: list[UnitSummaryPublic]


class FeatureVisPublic(BaseModel):
    """A feature visualization and how it was made."""

    url: str
    objective: str = Field(description="store key: channel, neuron, negative, or diversity:i for a diversity set")
    kind: str = Field(description="channel, neuron, negative or diversity")
    index: int = Field(description="position in its diversity set (0 for the other kinds)")
    description: str = Field(description="the objective optimized, e.g. -channel(mixed4b:[409])")
    activation: float = Field(
        description="the unit's spatial maximum on the rendered image (the same measure as dataset examples)"
    )
    settings: dict[str, Any] = Field(description="steps, size, seed, transforms… to reproduce it")
    width: int
    height: int


class ExamplePublic(BaseModel):
    """A top-activating dataset example: the crop around the activation's peak."""

    url: str
    rank: int
    activation: float
    source: str = Field(description="image path relative to the dataset folder")
    label: str | None
    x: int
    y: int
    crop: list[int] = Field(description="[left, top, right, bottom] in source pixels")
    width: int
    height: int


class EdgePublic(BaseModel):
    """A connection to a unit of the previous (inputs) or next (outputs) layer."""

    layer: str
    unit: int
    ref: str
    weight: float
    kind: str
    kernel: list[Any]
    url: str = Field(description="the connected unit's page")
    thumbnail: str | None


class UnitPublic(BaseModel):
    """Everything stored about one unit."""

    model: str
    layer: str
    unit: int
    ref: str = Field(description="'layer:unit'")
    url: str = Field(description="canonical page")
    api_url: str
    label: str | None
    branch: str | None
    thumbnail: str | None
    feature_vis: list[FeatureVisPublic]
    dataset_examples: list[ExamplePublic] = Field(description="highest activation first")
    dataset_max_activation: float | None
    inputs: list[EdgePublic] = Field(description="strongest first")
    outputs: list[EdgePublic] = Field(description="strongest first")
    previous: str | None = Field(description="previous unit's page, null for unit 0")
    next: str | None = Field(description="next unit's page, null for the last unit")


class ApiRootPublic(BaseModel):
    """The API root: the store format this service reads and the models it serves."""

    format_version: str
    models: list[ModelSummaryPublic]
