"""SQLAlchemy tables of the store. Change them only together with a migration in store/migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Model(Base):
    """A network whose units the store describes."""

    __tablename__ = "models"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    architecture: Mapped[str] = mapped_column(String(256))
    weights_hash: Mapped[str] = mapped_column(String(64))
    input_spec: Mapped[dict[str, Any]]
    class_labels: Mapped[list[Any]]
    images_root: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)  # shown on each of its pages
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Layer(Base):
    """A browsable layer: a module path of the model and the shape of its output."""

    __tablename__ = "layers"
    __table_args__ = (UniqueConstraint("model_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    units: Mapped[int]
    height: Mapped[int | None]
    width: Mapped[int | None]
    rf_size: Mapped[int]
    rf_stride: Mapped[float] = mapped_column(Float)
    previous: Mapped[str | None] = mapped_column(String(256))
    parent: Mapped[str | None] = mapped_column(String(256))  # the layer a branch layer belongs to


class LabelSource(Base):
    """Where hand-made unit labels come from: cited, with its licence, wherever they are shown."""

    __tablename__ = "label_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(256))
    authors: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None]
    url: Mapped[str] = mapped_column(Text)
    license: Mapped[str] = mapped_column(String(128))


class Unit(Base):
    """One channel of a layer, with its hand-made label and where that label comes from."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("layer_id", "index"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"))
    unit: Mapped[int] = mapped_column("index")  # the unit's number in its layer (the column's name predates "unit")
    branch: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(256))
    label_source_id: Mapped[int | None] = mapped_column(ForeignKey("label_sources.id"))
    # The unit's link-preview card (a 1200×630 PNG, store.cards), drawn by precompute.cards once its images exist.
    card_sha256: Mapped[str | None] = mapped_column(ForeignKey("assets.sha256"))


class Asset(Base):
    """A file under assets/ (an image, or a weight tensor with width = height = 0), named by its bytes' sha256."""

    __tablename__ = "assets"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]


class Stage(Base):
    """A precompute stage finished for a layer, with the settings it ran with (resume skips these)."""

    __tablename__ = "stages"
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    settings: Mapped[dict[str, Any]]
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FeatureVis(Base):
    """A feature visualization of a unit: its kind (store.kinds.VisKey), with the settings that reproduce it."""

    __tablename__ = "feature_vis"
    __table_args__ = (UniqueConstraint("unit_id", "objective"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column("objective", String(64))  # 'channel', 'diversity:2' (column named before kinds)
    description: Mapped[str] = mapped_column(Text)  # the objective optimized
    asset_sha256: Mapped[str] = mapped_column(ForeignKey("assets.sha256"))
    activation: Mapped[float] = mapped_column(Float)  # the unit's peak over positions, at its output
    # The peak before the layer's ReLU, when the image optimized its pre-activation (None: it optimized the output).
    pre_activation: Mapped[float | None] = mapped_column(Float)
    settings: Mapped[dict[str, Any]]


class DatasetImage(Base):
    """An image of the folder a model's dataset examples were drawn from."""

    __tablename__ = "dataset_images"
    __table_args__ = (UniqueConstraint("model_id", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(256))
    width: Mapped[int]
    height: Mapped[int]


class DatasetExample(Base):
    """One of a unit's top-activating images: the activation, where it peaked, and the crop around it."""

    __tablename__ = "dataset_examples"
    __table_args__ = (UniqueConstraint("unit_id", "rank"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    rank: Mapped[int]
    image_id: Mapped[int] = mapped_column(ForeignKey("dataset_images.id", ondelete="CASCADE"))
    activation: Mapped[float] = mapped_column(Float)
    x: Mapped[int]
    y: Mapped[int]
    crop: Mapped[list[Any]]
    asset_sha256: Mapped[str] = mapped_column(ForeignKey("assets.sha256"))
    amap: Mapped[list[Any] | None]  # the unit's activation map over the crop (rows of floats), when kept


class Connection(Base):
    """An edge between a unit and a unit of the previous browsable layer, with its spatial kernel.

    `in_rank` orders it among the destination's strongest inputs, `out_rank` among the source's strongest
    outputs; an edge kept for one side only has the other rank null.
    """

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("dst_unit_id", "src_unit_id"),
        Index("ix_connections_src", "src_unit_id", "out_rank"),
        Index("ix_connections_dst", "dst_unit_id", "in_rank"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    src_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    dst_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    weight: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    kernel: Mapped[list[Any]]
    in_rank: Mapped[int | None]
    out_rank: Mapped[int | None]


class WeightTensor(Base):
    """The full weights W[out, in, kh, kw] from a layer's previous layer into it: a .npy asset (store.tensors).

    `svd` holds the singular value decomposition of |W| summed over space (precompute.svd): every singular value
    and the first components' vectors for both layers' units.
    """

    __tablename__ = "weight_tensors"
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "direct" (one conv or linear joins them) or "expanded"
    shape: Mapped[list[Any]]
    dtype: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32))
    asset_sha256: Mapped[str] = mapped_column(ForeignKey("assets.sha256"))
    max_abs: Mapped[float] = mapped_column(Float)
    svd: Mapped[dict[str, Any]]


class UnitScore(Base):
    """A measured number about a unit (store.scores names them), e.g. how much of its response survives grayscale."""

    __tablename__ = "unit_scores"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class UnitCurve(Base):
    """A measured response curve of a unit (precompute.tuning): its response as stimulus factors are swept.

    `axes` names each swept factor with its values, in order ({"orientation": [0, 15, …], "radius": [4, 8]});
    `values` holds the responses, nested in the same order (a list for one axis, a list of lists for two).
    """

    __tablename__ = "unit_curves"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    axes: Mapped[dict[str, Any]]
    values: Mapped[list[Any]]


class RangeExample(Base):
    """A dataset example beyond the top ones: the unit's least active images, or one at an activation quantile."""

    __tablename__ = "range_examples"
    __table_args__ = (UniqueConstraint("unit_id", "kind", "rank"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "bottom" or "quantile"
    rank: Mapped[int]  # order within its kind (bottom: least active first; quantile: highest quantile first)
    quantile: Mapped[float | None] = mapped_column(Float)  # the quantile sampled, for kind "quantile"
    image_id: Mapped[int] = mapped_column(ForeignKey("dataset_images.id", ondelete="CASCADE"))
    activation: Mapped[float] = mapped_column(Float)
    x: Mapped[int]
    y: Mapped[int]
    crop: Mapped[list[Any]]
    asset_sha256: Mapped[str] = mapped_column(ForeignKey("assets.sha256"))
    amap: Mapped[list[Any] | None]  # the unit's activation map over the crop (rows of floats), when kept


class ActivationStats(Base):
    """A unit's activations over the whole image folder (its peak per image): summary, quantiles and histogram."""

    __tablename__ = "activation_stats"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int]
    mean: Mapped[float] = mapped_column(Float)
    std: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    quantiles: Mapped[dict[str, Any]]  # {"0.5": value, "0.9": value, …}
    histogram: Mapped[dict[str, Any]]  # {"edges": [bins + 1 floats], "counts": [bins ints]}


class StoredFigures(Base):
    """A unit page's figures (store.figures.unit), drawn once by precompute so that pages need not draw them.

    `figures` is store.figures.stored's zlib-compressed JSON: SVG tuning plots, activation histogram, activation maps
    over the dataset examples and connection kernels, with the version they were drawn by.
    """

    __tablename__ = "unit_figures"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    figures: Mapped[bytes] = mapped_column(LargeBinary)


class ModelFinding(Base):
    """One finding of a model (precompute.findings): a check of a phenomenon the course teaches, measured on the store.

    `payload` is the finding as measured (title, claim, numbers, thresholds, verdict, links); `settings` what the stage
    ran with (every row of a model holds the same: a re-run with other settings replaces them all).
    """

    __tablename__ = "model_findings"
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int]
    payload: Mapped[dict[str, Any]]
    settings: Mapped[dict[str, Any]]


class ModelExperiment(Base):
    """One experiment run on a model (precompute.experiments): an edit of the network, by its canonical spec
    (store.experiments), and what it changed. `key` is the spec's SHA-256 (a spec can be longer than an index entry
    may be); `payload` is the result; `settings` what the stage ran with (every row of a model holds the same: a re-run
    with other settings replaces them all); `position` the stage's order.
    """

    __tablename__ = "model_experiments"
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    payload: Mapped[dict[str, Any]]
    settings: Mapped[dict[str, Any]]


class ScoreEvidence(Base):
    """What a unit's membership of a family (store.scores.FAMILY_SCORES) rests on: absolute responses, not ratios.

    `stimulus` is its best raw activation to the family's tuning stimuli, `blank` to a plain grey image,
    `dataset_peak` its highest activation over the dataset images (None: no examples stored), `class_share` the
    share of its top examples of the family's classes (None: the images carry no demo labels), `passes` whether it
    joins the family (store.scores.passes_gate; None: not checkable without a dataset peak above the blank).
    """

    __tablename__ = "score_evidence"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    family: Mapped[str] = mapped_column(String(32), primary_key=True)
    stimulus: Mapped[float] = mapped_column(Float)
    blank: Mapped[float] = mapped_column(Float)
    dataset_peak: Mapped[float | None] = mapped_column(Float)
    class_share: Mapped[float | None] = mapped_column(Float)
    passes: Mapped[bool | None]
