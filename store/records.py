"""Plain values that cross the store boundary: what precompute writes and what the app reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store.kinds import VisKey
from store.refs import UnitRef

if TYPE_CHECKING:
    import numpy as np

    from store.figures.unit import UnitFigures

Settings = dict[str, Any]


def stored_settings(value: Settings) -> Settings:
    """Settings as they come back from the store (through JSON), so comparing with stored ones is exact."""
    return json.loads(json.dumps(value))


# Precompute stages a layer goes through; each is recorded with its settings when it finishes.
EXAMPLES_STAGE = "examples"
CONNECTIONS_STAGE = "connections"
FEATURE_VIS_STAGE = "feature_vis"
SCORES_STAGE = "scores"  # per-unit scores (store.scores): one stage per score, see score_stage
TUNING_STAGE = "tuning"  # tuning curves (unit_curves) and the scores derived from them
RANGE_STAGE = "range_examples"  # examples across the activation range and activation statistics
CARDS_STAGE = "cards"  # each unit's link-preview card (store.cards), drawn from its stored images
FIGURES_STAGE = "figures"  # each unit page's figures (store.figures), drawn from everything above


def score_stage(score: str) -> str:
    """The stage recording that a score was measured for a layer ("scores:bw_ratio"), with how it was measured."""
    return f"{SCORES_STAGE}:{score}"


# A finished feature_vis stage lists the store keys (see store.kinds.VisKey) every unit of the layer holds under
# STAGE_KEYS, and keys only some units hold under STAGE_PARTIAL ({key: [units]}). The on-disk name "objectives"
# predates the word "kind"; it stays so that stores written before keep their finished stages.
STAGE_KEYS = "objectives"
STAGE_PARTIAL = "partial"


@dataclass(frozen=True)
class EncodedImage:
    """Image file bytes ready to be stored (PNG, WebP or JPEG)."""

    data: bytes
    ext: str
    width: int
    height: int


@dataclass(frozen=True)
class AssetRef:
    """A stored image: its content hash and file extension."""

    sha256: str
    ext: str
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Picture:
    """A unit's stored image of one feature-vis kind, as a tile or a tour stop shows it."""

    asset: AssetRef
    transparency: float = 0.0  # above 0: drawn transparent (precompute --transparency), laid over mid-grey

    @property
    def transparent(self) -> bool:
        """Whether what the unit does not need was left to fade to grey."""
        return self.transparency > 0


@dataclass
class CardSources:
    """What a unit's preview card shows (store.cards): its label, channel visualization and top examples."""

    label: str | None
    vis: AssetRef | None = None
    examples: list[AssetRef] = field(default_factory=list)


@dataclass(frozen=True)
class ModelRecord:
    """A model as the store describes it."""

    id: str
    title: str
    architecture: str
    weights_hash: str
    input_spec: Settings
    class_labels: list[str]
    description: str = ""
    images_root: str | None = None
    warning: str | None = None  # shown on every page of the model


@dataclass(frozen=True)
class LabelSource:
    """Where hand-made unit labels come from, cited (with its licence) wherever they are shown."""

    key: str  # short id, e.g. "early-vision"
    title: str
    authors: str
    year: int | None
    url: str
    license: str


@dataclass(frozen=True)
class LayerRecord:
    """A browsable layer: output shape, receptive field and the browsable layer it computes from.

    `branches` maps the units of a concatenating layer to their branch; `parent` is the layer a branch layer
    belongs to (pages show it under that layer).
    """

    name: str
    position: int
    kind: str
    units: int
    height: int | None
    width: int | None
    rf_size: int
    rf_stride: float
    previous: str | None
    branches: dict[int, str] = field(default_factory=dict)
    parent: str | None = None


@dataclass(frozen=True)
class FeatureVisRecord:
    """A rendered feature visualization of one unit."""

    unit: int
    key: VisKey
    description: str  # the objective optimized, e.g. -channel(mixed4b:[409])
    image: EncodedImage
    activation: float  # the unit's peak over positions of the image, at the layer's output (after its ReLU)
    settings: Settings
    pre_activation: float | None = None  # the same peak before the ReLU, when the image optimized the pre-activation


@dataclass(frozen=True)
class DatasetImageRecord:
    """An image of the dataset folder: path relative to the folder and its class (parent folder)."""

    source: str
    label: str | None
    width: int
    height: int


@dataclass(frozen=True)
class ExampleRecord:
    """A top-activating dataset example of a unit, with the crop around the activation's peak."""

    unit: int
    rank: int
    source: str
    activation: float
    x: int
    y: int
    crop: tuple[int, int, int, int]
    image: EncodedImage
    amap: list[list[float]] | None = None  # the unit's activation map over the crop, when kept


@dataclass(frozen=True)
class RangeExampleRecord(ExampleRecord):
    """A dataset example beyond the top ones: among the least active (`bottom`) or at an activation `quantile`."""

    kind: str = "bottom"  # "bottom" or "quantile"
    quantile: float | None = None


@dataclass(frozen=True)
class ActivationStatsRecord:
    """A unit's peak activation per image over the whole folder: summary, quantiles and histogram."""

    unit: int
    count: int
    mean: float
    std: float
    min: float
    max: float
    quantiles: dict[str, float]  # {"0.5": value, …}: the quantile written as text, so it survives JSON
    histogram: dict[str, list[float]]  # {"edges": [bins + 1], "counts": [bins]}


@dataclass(frozen=True)
class CurveRecord:
    """A unit's response as stimulus factors are swept: `axes` {factor: values} in order, `values` nested alike."""

    unit: int
    name: str  # e.g. "orientation", "curvature" (precompute.tuning names them)
    axes: dict[str, list[float]]
    values: list[Any]


@dataclass(frozen=True)
class EvidenceRecord:
    """What a unit's membership of a family rests on (store.schema.ScoreEvidence says what each number is)."""

    unit: int
    family: str  # a store.scores.FAMILY_SCORES key
    stimulus: float
    blank: float
    dataset_peak: float | None
    class_share: float | None
    passes: bool | None


@dataclass(frozen=True)
class EdgeRecord:
    """A weight from `src_unit` of the previous layer to `dst_unit`, with its spatial kernel."""

    src_unit: int
    dst_unit: int
    weight: float
    kind: str
    kernel: list[Any]
    in_rank: int | None
    out_rank: int | None


@dataclass(frozen=True)
class SvdRecord:
    """The SVD of |W| summed over space, M[out, in] = U · diag(s) · Vᵀ, for a layer pair.

    `dst[u]` is the later layer's unit u on the first components (row u of U[:, :k]); `src[v]` the earlier
    layer's unit v (row v of V[:, :k]). Each component's sign makes its largest-magnitude `dst` entry positive.
    """

    singular_values: list[float]  # all of them, largest first
    dst: list[list[float]]
    src: list[list[float]]

    @property
    def variance_share(self) -> list[float]:
        """Each component's share of the total squared singular values (sums to 1)."""
        total = sum(s * s for s in self.singular_values) or 1.0
        return [s * s / total for s in self.singular_values]

    @property
    def components(self) -> int:
        """How many components `dst` and `src` hold."""
        return len(self.dst[0]) if self.dst else 0


@dataclass(frozen=True)
class WeightsRecord:
    """The full weights into a layer from its previous layer, as computed: W[out, in, kh, kw] and its SVD."""

    source: str
    kind: str  # "direct" (one conv or linear joins the layers) or "expanded"
    tensor: np.ndarray  # float16, (out, in, kh, kw)
    svd: SvdRecord


@dataclass(frozen=True)
class WeightsView:
    """A stored layer pair's weight tensor: its file (a .npy asset, store.tensors) and SVD."""

    layer: str
    source: str
    kind: str
    shape: tuple[int, int, int, int]
    dtype: str
    format: str
    asset: AssetRef
    size_bytes: int
    max_abs: float  # the largest |weight|: one colour scale for every kernel of the pair
    svd: SvdRecord


@dataclass(frozen=True, kw_only=True)
class LayerView(LayerRecord):
    """A layer as the app shows it: the stored layer, its neighbour in paging order and its finished stages."""

    next: str | None = None  # the next layer in forward order among those with the same parent
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ModelView(ModelRecord):
    """A model as the app shows it: the stored model and its layers in forward order."""

    layers: tuple[LayerView, ...] = ()


@dataclass(frozen=True)
class UnitSummary:
    """A unit in a layer grid: its number, label (and its source) and the thumbnail of its channel visualization."""

    unit: int
    label: str | None
    branch: str | None
    thumbnail: AssetRef | None
    label_source: LabelSource | None = None
    scores: dict[str, float] = field(default_factory=dict)  # by store.scores name
    pictures: dict[str, Picture] = field(default_factory=dict)  # images of the kinds a query asked for, by kind


@dataclass(frozen=True)
class LabelHit:
    """A hand-labelled unit: what search matches label text against."""

    model: str
    layer: str
    unit: int
    label: str


@dataclass(frozen=True)
class FamilyCount:
    """How many of a layer's units passed a family's gate, of those measured."""

    members: int
    measured: int
    labelled: bool  # whether the gate checked top-example labels too (the demo's images)


@dataclass(frozen=True)
class ScoredUnit:
    """A unit and its value of one measured score: what search lists for a score's name."""

    model: str
    layer: str
    unit: int
    value: float
    member: bool = False  # whether it passed the gate of the family the score ranks (store.scores.passes_gate)


@dataclass(frozen=True)
class FeatureVisView:
    """A stored feature visualization."""

    key: VisKey
    description: str  # the objective optimized
    asset: AssetRef
    activation: float
    settings: Settings
    pre_activation: float | None = None  # the peak before the ReLU, when the image optimized the pre-activation


@dataclass(frozen=True)
class ExampleView:
    """A stored dataset example."""

    rank: int
    asset: AssetRef
    activation: float
    source: str
    label: str | None
    x: int
    y: int
    crop: list[int]
    amap: list[list[float]] | None = None  # the unit's activation map over the crop, when kept


@dataclass(frozen=True)
class RangeExampleView(ExampleView):
    """A stored example beyond the top ones: `bottom` (least active first) or at a `quantile` (highest first)."""

    kind: str = "bottom"
    quantile: float | None = None


@dataclass(frozen=True)
class CurveView:
    """A stored tuning curve of a unit."""

    name: str
    axes: dict[str, list[float]]
    values: list[Any]


@dataclass(frozen=True)
class EdgeView:
    """A connection seen from one unit: the unit at the other end, the weight and its kernel."""

    layer: str
    unit: int
    weight: float
    kind: str
    kernel: list[Any]
    thumbnail: AssetRef | None
    label: str | None = None  # the other unit's hand label


@dataclass(frozen=True)
class UnitDetail:
    """Everything the store knows about one unit."""

    summary: UnitSummary
    feature_vis: list[FeatureVisView]
    dataset_examples: list[ExampleView]
    inputs: list[EdgeView]
    outputs: list[EdgeView]
    same_unit: UnitRef | None = None  # the same channel in its stored branch layer, or in its branch layer's parent
    range_examples: list[RangeExampleView] = field(default_factory=list)  # bottom, then quantiles
    stats: ActivationStatsRecord | None = None
    curves: list[CurveView] = field(default_factory=list)
    card: AssetRef | None = None  # the link-preview card (a 1200×630 PNG), when precompute drew one
    figures: UnitFigures | None = None  # the unit page's figures, when precompute drew them (store.figures)
    evidence: list[EvidenceRecord] = field(default_factory=list)  # its family evidence, where the store keeps it
