"""Response models of models, layers and units (the pages render the same objects)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.notes.schemas import NotePublic
from app.schemas import (
    BranchPublic,
    EdgePublic,
    Float32,
    Float32Array,
    LabelSourcePublic,
    ScoreDefinitionPublic,
    UnitBase,
    UnitSummaryPublic,
)


class LayerBase(BaseModel):
    """What every view of a layer says: its name, the layer it belongs to, kind, size and pages."""

    name: str
    parent: str | None = Field(description="the layer this branch layer belongs to")
    kind: str
    units: int
    shape: list[int] = Field(description="[units, height, width] for conv layers, [units] otherwise")
    url: str
    api_url: str


class LayerSummaryPublic(LayerBase):
    """A layer as the model lists it, with a few unit thumbnails."""

    preview: list[UnitSummaryPublic] = Field(description="the first few units")


class ModelSummaryPublic(BaseModel):
    """A model as the index lists it."""

    id: str
    title: str
    description: str
    warning: str | None = Field(description="what users must know first (say, that it is not the network named)")
    architecture: str
    layer_count: int
    url: str
    api_url: str


class ModelPublic(ModelSummaryPublic):
    """A model: where its weights came from, what it takes as input, and its layers in forward order."""

    weights_hash: str
    input_spec: dict[str, Any]
    class_labels: list[str]
    layers: list[LayerSummaryPublic] = Field(description="forward order; branch layers name their parent")


class ReceptiveFieldPublic(BaseModel):
    """A unit's receptive field in input pixels."""

    size: int
    stride: float


class SortPublic(BaseModel):
    """An order the layer grid offers."""

    sort: str = Field(description="the `sort` parameter")
    title: str
    url: str = Field(description="the layer page in this order, the filter kept")


class GridPublic(BaseModel):
    """The grid's order and filter as asked (`?sort=…&min_bw=…&max_bw=…`), and what it shows."""

    sort: str = Field(description="'unit', a score, or 'svdK'; '-' first: descending")
    min_bw: float | None = Field(description="lowest bw_ratio kept (inclusive)")
    max_bw: float | None = Field(description="highest bw_ratio kept (inclusive)")
    shown: int = Field(description="units in `unit_list`")
    note: str = Field(description="why units keep unit order, or how many have no value to sort by (empty: none)")
    sorts: list[SortPublic] = Field(description="the orders that mean something for this layer")
    url: str = Field(description="the layer page in this view")
    api_url: str = Field(description="this view as JSON")


class LayerPublic(LayerBase):
    """A layer and every one of its units."""

    model: str
    rf: ReceptiveFieldPublic
    previous: str | None = Field(description="the browsable layer this one computes from (its inputs' layer)")
    next: str | None = Field(description="the next browsable layer with the same parent")
    previous_url: str | None
    next_url: str | None
    branch_layers: list[str] = Field(description="the stored branch layers of this layer")
    branches: list[BranchPublic] = Field(description="the layer's units by branch, in unit order (empty: no branches)")
    unit_list: list[UnitSummaryPublic] = Field(description="the units `grid` keeps, in its order (unit order)")
    label_sources: list[LabelSourcePublic] = Field(description="who made the units' hand labels")
    score_definitions: list[ScoreDefinitionPublic] = Field(description="the scores measured for this layer's units")
    grid: GridPublic
    units_jsonl_url: str = Field(description="every unit, one JSON object a line (`unit_list`'s fields)")
    units_parquet_url: str = Field(description="every unit as a Parquet table (501 when the server lacks pyarrow)")
    feature_vis_zip_url: str = Field(description="each unit's channel visualization in a zip, with manifest.json")


class FeatureVisPublic(BaseModel):
    """A feature visualization: its kind, what that kind means, the objective optimized and how it was made."""

    url: str
    key: str = Field(description="store key: the kind, or kind:index for an image of a set (diversity:2)")
    kind: str = Field(description="channel, neuron, negative, diversity, or another declared kind")
    index: int = Field(description="position in its set (0 for kinds with one image per unit)")
    in_set: bool = Field(description="whether the kind is a set of images per unit, like diversity")
    meaning: str = Field(description="what images of this kind show (empty for a kind this service does not know)")
    objective: str = Field(
        description="the same as `key`, kept for scripts written before kinds (`description` is the objective)",
        deprecated="use `key`",
    )
    description: str = Field(description="the objective optimized, e.g. -channel(mixed4b:[409])")
    activation: Float32 = Field(
        description="the unit's spatial maximum on the rendered image (the same measure as dataset examples)"
    )
    pre_activation: Float32 | None = Field(
        None,
        description="the same maximum before the layer's ReLU, when the image optimized the pre-activation "
        "(settings.tensor = pre_relu); a negative image's is below zero where the unit is off everywhere",
    )
    tensor: str = Field(
        description="what the objective read: pre_relu (the layer before its last ReLU) or output (as browsed)"
    )
    settings: dict[str, Any] = Field(description="steps, size, oversample, seed, transforms… to reproduce it")
    width: int
    height: int


class ExamplePublic(BaseModel):
    """A top-activating dataset example: the crop around the activation's peak."""

    url: str
    rank: int
    activation: Float32
    source: str = Field(description="image path relative to the dataset folder")
    label: str | None
    x: int
    y: int
    crop: list[int] = Field(description="[left, top, right, bottom] in source pixels")
    width: int
    height: int
    amap: Float32Array | None = Field(
        None,
        description="the unit's activation map over the crop as rows of values (top row first; the cells whose "
        "centres lie in the crop, at most 16 per side), null when not stored or for a linear layer",
    )


class RangeExamplePublic(ExamplePublic):
    """A dataset example beyond the top ones: among the least active images, or a sample at an activation quantile."""

    kind: str = Field(description="'bottom' (least active first: smallest peak) or 'quantile' (highest first)")
    quantile: float | None = Field(description="for a quantile sample, the quantile (0.99 is the 99th percentile)")


class HistogramPublic(BaseModel):
    """Counts of images per bin of peak activation."""

    edges: list[Float32] = Field(description="bin edges, one more than the counts")
    counts: list[int]


class ActivationStatsPublic(BaseModel):
    """The unit's peak activation (maximum over positions) per image, over every image of the dataset folder."""

    count: int = Field(description="images measured")
    mean: Float32
    std: Float32
    min: Float32
    max: Float32
    quantiles: dict[str, Float32] = Field(description="{quantile: value}, e.g. {'0.5': median}")
    histogram: HistogramPublic


class UnitLinkPublic(BaseModel):
    """Another unit's reference and page."""

    ref: str = Field(description="'layer:unit'")
    url: str


class CurvePublic(BaseModel):
    """A tuning curve: the unit's activation over one or two stimulus factors (docs/how-it-works.md)."""

    name: str = Field(description="e.g. 'orientation', 'curvature', 'hue', 'frequency'")
    axes: dict[str, list[float]] = Field(
        description="each factor's values in the order `values` nests, e.g. {'radius': [...], 'orientation': [...]}"
    )
    values: Float32Array = Field(description="activations, nested in the order of `axes`")


class FamilyEvidencePublic(BaseModel):
    """What a unit's membership of one family rests on: absolute activations, not ratios."""

    family: str = Field(description="e.g. 'curves'")
    score: str = Field(description="the score that ranks the family's members, e.g. 'curve'")
    stimulus: Float32 = Field(description="its best raw activation to the family's tuning stimuli")
    blank: Float32 = Field(description="its activation to a plain grey image")
    dataset_peak: Float32 | None = Field(description="its highest activation over the dataset images")
    stimulus_share: Float32 | None = Field(description="stimulus / dataset_peak")
    class_share: Float32 | None = Field(
        description="the share of its top examples of the family's classes (null: the images carry no such labels)"
    )
    passes: bool | None = Field(description="whether it is a member of the family (null: no dataset peak to check)")


class EvidencePublic(BaseModel):
    """The evidence line of a unit page: what its scores can be checked against."""

    top_classes: dict[str, int] = Field(
        description="the labels of its top dataset examples with how many carry each, most first (empty: unlabelled)"
    )
    dataset_peak: Float32 | None = Field(description="its highest activation over the dataset images")
    best_stimulus: Float32 | None = Field(description="its best raw activation to any tuning stimulus")
    stimulus_share: Float32 | None = Field(description="best_stimulus / dataset_peak")
    blank: Float32 | None = Field(None, description="its activation to a plain grey image, where measured")
    feature_vis_activation: Float32 | None = Field(description="the activation its channel visualization reaches")
    feature_vis_share: Float32 | None = Field(description="feature_vis_activation / dataset_peak")
    families: list[FamilyEvidencePublic] = Field(description="per family: the numbers its membership rests on")
    text: str = Field(description="the same in one line, as the page shows it")


class UnitExperimentPublic(BaseModel):
    """A stored experiment that edits the unit (removes, cuts or rebuilds it with others), and what it measured: the
    mean accuracy (0–1) of the classes its family should answer and of the others, without and with the edit."""

    spec: str = Field(description="the experiment, as its address names it: 'kind:layer:units'")
    title: str
    kind: str
    units: int = Field(description="how many units of the layer it edits, this one among them")
    effect: str = Field(description="what it measured, in a line, e.g. 'the curve classes 94.1% → 62.9%, …'")
    accuracy_before: float | None = Field(description="on the labelled dataset images; null without labels")
    accuracy_after: float | None
    family_classes: list[str] = Field(description="the classes the edited family should answer (none: no family's)")
    family_before: float | None
    family_after: float | None
    others_before: float | None = Field(description="every other class")
    others_after: float | None
    removed_family_after: float | None = Field(
        None, description="a rebuild's: the family's classes with the same units removed instead"
    )
    tuning_r: float | None = Field(
        None, description="a rebuild's: r of this unit's rebuilt orientation tuning curve with its real one"
    )
    url: str
    api_url: str


class UnitPublic(UnitBase):
    """Everything stored about one unit."""

    model: str
    layer: str
    label_source: LabelSourcePublic | None = Field(
        description="who made the label: a hand-label source, or (key 'instructor') the instructor whose note gives "
        "the label of a unit without a hand label"
    )
    same_unit: UnitLinkPublic | None = Field(
        description="the same channel as a unit of its stored branch layer, or of the mixed layer a branch layer is of"
    )
    score_definitions: list[ScoreDefinitionPublic] = Field(description="what the unit's scores mean")
    feature_vis: list[FeatureVisPublic]
    dataset_examples: list[ExamplePublic] = Field(description="highest activation first")
    dataset_max_activation: Float32 | None
    curves: list[CurvePublic] = Field(
        default_factory=list, description="tuning curves: responses to parametric stimuli at the receptive field"
    )
    range_examples: list[RangeExamplePublic] = Field(
        description="the least active images (smallest peak first), then one image per activation quantile "
        "(highest quantile first)"
    )
    stats: ActivationStatsPublic | None = Field(description="the unit's peak activations over the dataset")
    inputs: list[EdgePublic] = Field(description="strongest first")
    outputs: list[EdgePublic] = Field(description="strongest first")
    previous: str | None = Field(description="previous unit's page, null for unit 0")
    next: str | None = Field(description="next unit's page, null for the last unit")
    note: NotePublic | None = Field(None, description="an instructor's label and note, null when none")
    note_url: str | None = Field(None, description="the note's JSON: read it, or write it with an instructor token")
    notes_error: str | None = Field(
        None, description="why notes cannot be read now (the notes database, MICROSCOPE_NOTES_DB), null when they can"
    )
    evidence: EvidencePublic | None = Field(None, description="what its scores can be checked against")
    experiments: list[UnitExperimentPublic] = Field(
        default_factory=list, description="the stored experiments that edit it: what happens without it"
    )
    remove_alone_url: str | None = Field(
        None, description="the experiment removing it alone, computed live: null unless a worker is configured"
    )


class ApiRootPublic(BaseModel):
    """The API root: the store format this service reads and the models it serves."""

    format_version: str
    models: list[ModelSummaryPublic]
    url: str = Field(description="the index page, listing the same models")
