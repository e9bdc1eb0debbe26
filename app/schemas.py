"""Response models of the JSON API (the pages render the same objects)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer

from app.float32 import float32, float32_nested
from app.note_schemas import NotePublic

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


class BranchPublic(BaseModel):
    """The units of a concatenating layer that one branch computes: a contiguous span."""

    name: str
    first: int = Field(description="the branch's first unit in this layer")
    units: int
    url: str | None = Field(description="the branch's own layer page, when the store holds it")


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
    bins: list[float] = Field(description="edges of every histogram of this score, low to high (one more than bins)")


class ScoreStatsPublic(BaseModel):
    """One score over one branch's units: how many are measured, their mean, median and range, and the histogram."""

    score: str
    count: int = Field(description="units of the branch that hold this score")
    mean: Float32 | None
    median: Float32 | None
    min: Float32 | None
    max: Float32 | None
    histogram: list[int] = Field(description="units per bin of the score's `bins` (values outside go to the end bins)")


class LabelFamilyPublic(BaseModel):
    """A family of hand labels (a label up to its qualifier) and how many of a branch's units carry it."""

    family: str
    units: int


class BranchDetailPublic(BranchPublic):
    """One branch of a concatenating layer: its units, their scores summarized, and their hand-label families."""

    layer: str | None = Field(description="the branch's own stored layer, when the store holds it")
    unit_list: list[BranchUnitPublic]
    scores: list[ScoreStatsPublic] = Field(description="one per score of the page's `scores`, in that order")
    labelled: int = Field(description="units of the branch with a hand label")
    label_families: list[LabelFamilyPublic] = Field(description="most units first")


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


class UnitPublic(UnitBase):
    """Everything stored about one unit."""

    model: str
    layer: str
    label_source: LabelSourcePublic | None = Field(description="who made the hand label")
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


class SearchHitPublic(BaseModel):
    """One search result: a unit, layer, model or class, and how well it matched."""

    kind: str = Field(description="'unit', 'layer', 'model', 'class' or 'tour'")
    title: str = Field(description="what to show, e.g. 'inceptionv1/mixed4b:409' or 'goldfish'")
    detail: str = Field(description="a line of context, e.g. the unit's hand label or the model's title")
    query: str = Field(description="the text that searches for exactly this result, e.g. 'inceptionv1/mixed4b'")
    match: str = Field(description="'exact', 'prefix', 'substring' or 'related' (a labelled unit of a matched layer)")
    field: str = Field(
        description="what matched: 'ref', 'name', 'title', 'label', 'class', an instructor's 'note label' or 'note', "
        "a tour's 'description' or 'caption', or a measured 'score' the query names (the unit is among its highest)"
    )
    model: str
    url: str
    api_url: str


class SearchExamplePublic(BaseModel):
    """A query to try, built from what the store holds."""

    q: str
    url: str


class SearchPublic(BaseModel):
    """Units, layers, models and classes matching the search text, best first (app.search says how)."""

    q: str
    total: int = Field(description="how many results matched; `hits` holds at most `limit` of them")
    limit: int
    hits: list[SearchHitPublic]
    examples: list[SearchExamplePublic] = Field(description="queries to try (shown when nothing matched)")


class ApiRootPublic(BaseModel):
    """The API root: the store format this service reads and the models it serves."""

    format_version: str
    models: list[ModelSummaryPublic]
    url: str = Field(description="the index page, listing the same models")


class SvdUnitPublic(BaseModel):
    """A unit placed on the first components of a layer pair's SVD."""

    layer: str
    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None = Field(description="hand-made label, or the class name of an output unit")
    url: str = Field(description="the unit's page")
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")
    coordinates: list[float] = Field(description="the unit's entries in the first `components` singular vectors")
    scores: dict[str, Float32] = Field(description="measured scores of the unit by name, e.g. bw_ratio (when stored)")


class SvdPublic(BaseModel):
    """The SVD of M = |W| summed over the kernel window, M[out, in] = U · diag(s) · Vᵀ (signs of components fixed so
    that each one's largest-magnitude `layer_units` entry is positive)."""

    matrix: str = Field(description="how M is made from the stored tensor")
    singular_values: list[float] = Field(description="all of them, largest first")
    variance_share: list[float] = Field(description="each component's share of Σ s² (sums to 1)")
    components: int = Field(description="how many components the unit coordinates hold")
    layer_units: list[SvdUnitPublic] = Field(description="the later layer's units: rows of U[:, :components]")
    source_units: list[SvdUnitPublic] = Field(description="the earlier layer's units: rows of V[:, :components]")


class WeightsFilePublic(BaseModel):
    """A stored weight tensor W[out, in, kh, kw] of a layer pair: what it is and where to download it."""

    layer: str = Field(description="the later layer: `out` indexes its units")
    source: str = Field(description="the earlier layer: `in` indexes its units")
    kind: str = Field(description="'direct' (one conv or linear joins the layers) or 'expanded'")
    shape: list[int] = Field(description="[out, in, kh, kw]")
    dtype: str
    format: str = Field(description="the file layout, e.g. npy-oihw-fp16/1 (NumPy .npy, float16, C order)")
    sha256: str = Field(description="the hash of the file's bytes (its name)")
    size_bytes: int
    max_abs: Float32 = Field(description="the largest |weight|")
    download_url: str = Field(description="the .npy file: numpy.load reads it")
    filename: str = Field(description="a file name to save it under: model-source-to-layer.npy")
    url: str = Field(description="the layer pair's page")
    api_url: str


class LayerWeightsPublic(WeightsFilePublic):
    """The weights into a layer from its previous layer: the tensor's file and the SVD of its |W|."""

    model: str
    layer_url: str
    source_url: str
    svd: SvdPublic


class WeightsSlicePublic(WeightsFilePublic):
    """One unit's slice of a stored tensor: its row (every input) or column (every output), strongest first."""

    weights: list[EdgePublic] = Field(description="every unit at the other end; weight = the kernel's sum")


class UnitWeightsPublic(BaseModel):
    """A unit's full row and column of the stored weights: every input and every output, with kernels."""

    model: str
    layer: str
    unit: int
    ref: str = Field(description="'layer:unit'")
    url: str = Field(description="the unit's page (its strongest connections)")
    api_url: str
    inputs: WeightsSlicePublic | None = Field(description="W[unit, :, :, :] of the weights into this layer")
    outputs: list[WeightsSlicePublic] = Field(description="W[:, unit, :, :] of each stored tensor out of this layer")


class CircuitUnitPublic(UnitSummaryPublic):
    """A unit on a circuit's axes."""

    without: str | None = Field(
        description="the circuit's page without this unit (null when the layers left would not join)"
    )


class CircuitLayerPublic(BaseModel):
    """A layer of a circuit and its chosen units, in the circuit's order."""

    name: str
    url: str = Field(description="the layer's page")
    units: list[CircuitUnitPublic]


class CircuitPairPublic(BaseModel):
    """The kernels joining the chosen units of two consecutive layers, read from the stored weight tensor."""

    source: str = Field(description="the earlier layer (columns)")
    layer: str = Field(description="the later layer (rows), which computes from `source`")
    kind: str = Field(description="'direct' (one conv or linear joins the layers) or 'expanded'")
    kernel_shape: list[int] = Field(description="[height, width] of every kernel ([1, 1] for a linear layer)")
    max_abs: float = Field(description="the largest |value| among these kernels: the one colour scale they share")
    tensor_max_abs: float = Field(description="the largest |weight| of the whole stored tensor")
    rows: list[int] = Field(description="the later layer's units, in the circuit's order")
    columns: list[int] = Field(description="the earlier layer's units, in the circuit's order")
    kernels: list[list[list[list[float]]]] = Field(
        description="kernels[i][j]: the stored float16 kernel W[rows[i], columns[j]] (rows of columns), exactly"
    )


class CircuitPublic(BaseModel):
    """Units of consecutive layers and the spatial kernels between them."""

    model: str
    units: str = Field(description="the canonical unit list, e.g. 'mixed3b:379,385;mixed4a:12'")
    order: str = Field(description="how each layer's units are ordered: given, svdK or orientation")
    orders: list[str] = Field(description="the orders this circuit can be shown in")
    layers: list[CircuitLayerPublic] = Field(description="forward order")
    pairs: list[CircuitPairPublic] = Field(description="each pair of adjacent layers, in forward order")
    url: str
    api_url: str


class OrientationCurvePublic(BaseModel):
    """A unit's response by the orientation of a stimulus (its stored `orientation` tuning curve)."""

    orientation: list[float] = Field(description="the stimulus orientations, degrees counter-clockwise from right")
    values: Float32Array = Field(description="the unit's response at each orientation")


class FamilyUnitPublic(UnitSummaryPublic):
    """A unit of a feature family: its family score, rank, preferred orientation and orientation tuning curve."""

    picture: str | None = Field(
        description="URL of the feature visualization the tile shows: the kind that reads best of those stored"
    )
    picture_kind: str | None = Field(
        description="its kind: neuron (the centre position maximized) where stored, else channel (null: no image)"
    )
    score: Float32 = Field(description="the unit's value of the family's score")
    rank: int = Field(description="its place in its layer by the family's score: 1 is the highest")
    orientation: Float32 | None = Field(description="its preferred orientation in degrees (null: not measured)")
    curve: OrientationCurvePublic | None = Field(description="its orientation tuning curve (null: not stored)")


class CoveragePublic(BaseModel):
    """How much of the circle the preferred orientations of a family's units cover (docs/browsing.md, "Feature
    families and universality")."""

    oriented: int = Field(description="units with a preferred orientation")
    largest_gap: Float32 | None = Field(
        description="the widest angle, in degrees, between neighbouring preferred orientations round the circle "
        "(360 for a single unit; null when no unit has one)"
    )
    gap_from: Float32 | None = Field(description="the preferred orientation where the widest gap starts (going up)")
    gap_to: Float32 | None = Field(description="the preferred orientation where it ends")
    covers: Float32 | None = Field(
        description="360 − largest_gap: the degrees of the smallest arc holding every preferred orientation"
    )


class FamilyLinkPublic(BaseModel):
    """A feature family and the view of it."""

    family: str = Field(description="the family's name, e.g. 'curves'")
    score: str = Field(description="the score that ranks its units, e.g. 'curve'")
    url: str


class MembershipPublic(BaseModel):
    """Who a layer's family lists: the units that passed its gate (store.scores.passes_gate), or every scored unit."""

    gated: bool = Field(description="whether only units that passed the gate are listed (false: an older store)")
    members: int | None = Field(description="units that passed, when gated")
    measured: int | None = Field(description="units whose evidence was measured, when gated")
    message: str = Field(description="the same in one sentence, as the page shows it")


class FamilyPublic(BaseModel):
    """A layer's units that score highest for a family, laid out by preferred orientation."""

    model: str
    layer: str
    family: str
    score: ScoreDefinitionPublic = Field(description="the score that ranks the units")
    top: int = Field(description="how many of the highest-scoring units were asked for")
    units: list[FamilyUnitPublic] = Field(
        description="the top units by preferred orientation, lowest angle first; units without one last, by rank"
    )
    unoriented: int = Field(description="units among them without a preferred orientation (at the end of `units`)")
    coverage: CoveragePublic
    score_definitions: list[ScoreDefinitionPublic] = Field(description="what the units' scores mean")
    circuit_url: str = Field(description="the family as a circuit ordered by orientation (with the previous layer's "
                             "family units when the weights from it are stored)")  # fmt: skip
    circuit_layers: list[str] = Field(description="the layers of that circuit, in forward order")
    families: list[FamilyLinkPublic] = Field(description="the families the shown units hold a score of, this one too")
    compare_url: str = Field(description="the same family compared across every stored model")
    membership: MembershipPublic | None = Field(None, description="who the family lists, and why")
    layer_url: str
    url: str
    api_url: str


class CompareLayerPublic(BaseModel):
    """One layer of a model in a comparison: its units that score highest for the family."""

    name: str
    url: str = Field(description="the layer's page")
    family_url: str = Field(description="the layer's family view, laid out by orientation")
    units: list[FamilyUnitPublic] = Field(description="highest family score first")
    coverage: CoveragePublic
    membership: MembershipPublic | None = Field(None, description="who the family lists, and why")


class CompareModelPublic(BaseModel):
    """A model in a comparison, with each of its layers whose units hold the family's score."""

    id: str
    title: str
    url: str
    layers: list[CompareLayerPublic] = Field(description="forward order; layers without the score are left out")


class ComparePublic(BaseModel):
    """A feature family across models: in every layer of each, the units that score highest for it."""

    family: str
    score: ScoreDefinitionPublic
    top: int = Field(description="units shown per layer")
    models: list[CompareModelPublic] = Field(description="in the order asked for (all stored models by id)")
    score_definitions: list[ScoreDefinitionPublic] = Field(description="what the units' scores mean")
    families: list[FamilyLinkPublic] = Field(description="every family, each compared across the same models")
    url: str
    api_url: str


class ProbeUnitPublic(BaseModel):
    """A unit as a probe found it: its peak activation on the uploaded image and its map over the image."""

    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None
    url: str = Field(description="the unit's page")
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")
    value: Float32 = Field(description="the unit's highest activation over the image's positions")
    map: Float32Array = Field(
        description="activation at each position of the layer (rows of columns), max-pooled to at most 32 per side"
    )


class ProbeImagePublic(BaseModel):
    """What the upload turned out to be when decoded (its declared type is only a claim)."""

    format: str = Field(description="what decoding found: PNG, JPEG, GIF, WEBP, BMP or TIFF")
    width: int
    height: int
    declared_type: str | None = Field(description="the content type the upload declared")
    note: str | None = Field(description="set when the declared type was not what decoding found")
    input_size: int = Field(description="the side of the square the model saw: the centre, short side resized")
    source: str | None = Field(None, description="the dataset image's source path, when one was probed by it")


class ProbePublic(BaseModel):
    """The units of a layer that fire most on an uploaded image, each with its activation map."""

    model: str
    layer: str
    units: int = Field(description="how many units the layer has")
    grid: list[int] = Field(description="[height, width] of the layer's positions")
    top: list[ProbeUnitPublic] = Field(description="highest peak activation first")
    chosen: ProbeUnitPublic | None = Field(description="the unit asked for with `unit`, whatever its rank")
    image: ProbeImagePublic


class ProbeFormPublic(BaseModel):
    """How to probe a model with your own image (or one of its dataset images): the worker, layers and limits."""

    model: str
    url: str = Field(description="the probe page; POST multipart/form-data (image or source, layer, unit, top) to it")
    api_url: str = Field(description="POST the image here (multipart, or the raw bytes with ?layer=&unit=&top=)")
    worker: str = Field(description="'up', 'down', 'off' (none configured) or 'lacks-model'")
    detail: str = Field(description="what the worker state means for you")
    layers: list[str] = Field(description="layers that can be probed")
    max_bytes: int
    max_pixels: int
    formats: list[str]
    max_top: int
