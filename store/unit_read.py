"""Everything stored about one unit, in four queries built once (a unit page costs the same however many are read).

The statements are made at import with bound parameters, so each read only binds values: building a SQLAlchemy
statement with its joins and subqueries costs more than running it on SQLite. Rows are plain columns, never ORM
objects, and no query multiplies one table's rows by another's:

1. the unit with its layer, label source, activation statistics, stored figures and images (one row per image);
2. its dataset examples, top and across the activation range;
3. its edges in both directions, with the unit at the other end and its thumbnail;
4. its scores and tuning curves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Float,
    LargeBinary,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from store import schema as t
from store.cards import CARD_HEIGHT, CARD_WIDTH
from store.figures import stored
from store.figures.unit import covers
from store.kinds import CHANNEL, VisKey, page_order
from store.records import (
    ActivationStatsRecord,
    AssetRef,
    CurveView,
    EdgeView,
    EvidenceRecord,
    ExampleView,
    FeatureVisView,
    LabelSource,
    RangeExampleView,
    UnitDetail,
    UnitSummary,
)
from store.refs import UnitRef
from store.scores import FAMILY_SCORES

UNIT_ID = bindparam("unit_id")


def _head(figures: bool) -> Any:
    """The unit (by model, layer name and number), its label source, statistics, stored figures (when the store's
    format has them) and every image with its asset."""
    same, parent_unit, parent = aliased(t.Unit), aliased(t.Unit), aliased(t.Layer)
    branch_layer = aliased(t.Layer)
    model_id = bindparam("model_id")
    kept_layer = select(branch_layer.id).where(branch_layer.model_id == model_id, branch_layer.name == same.branch)
    branch_start = (  # the first unit of this unit's branch, when that branch is a stored layer
        select(func.min(same.unit))
        .where(same.layer_id == t.Unit.layer_id, same.branch == t.Unit.branch)
        .where(kept_layer.exists())
        .scalar_subquery()
    )
    parent_start = (  # the first unit of the parent layer whose branch this layer is
        select(func.min(parent_unit.unit))
        .join(parent, parent.id == parent_unit.layer_id)
        .where(parent.model_id == model_id, parent.name == t.Layer.parent, parent_unit.branch == t.Layer.name)
        .scalar_subquery()
    )
    s, fv, a, src = t.ActivationStats, t.FeatureVis, t.Asset, t.LabelSource
    kept = t.StoredFigures.figures if figures else cast(null(), LargeBinary)
    query = (
        select(t.Unit.id, t.Unit.unit.label("number"), t.Unit.branch, t.Unit.label, t.Unit.card_sha256, t.Layer.parent)
        .add_columns(branch_start.label("branch_start"), parent_start.label("parent_start"))
        .add_columns(src.key, src.title, src.authors, src.year, src.url, src.license)
        .add_columns(s.count.label("images"), s.mean, s.std, s.min.label("low"), s.max.label("high"))
        .add_columns(s.quantiles, s.histogram)
        .add_columns(fv.key.label("fv_key"), fv.description, fv.activation, fv.pre_activation, fv.settings)
        .add_columns(a.sha256, a.ext, a.width, a.height, kept.label("figures"))
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .outerjoin(src, src.id == t.Unit.label_source_id)
        .outerjoin(s, s.unit_id == t.Unit.id)
        .outerjoin(fv, fv.unit_id == t.Unit.id)
        .outerjoin(a, a.sha256 == fv.asset_sha256)
        .where(t.Layer.model_id == model_id, t.Layer.name == bindparam("layer"), t.Unit.unit == bindparam("unit"))
    )
    return query.outerjoin(t.StoredFigures, t.StoredFigures.unit_id == t.Unit.id) if figures else query


def _example_side(table: Any) -> Any:
    """A unit's examples from one table, with kind and quantile columns (the top ones: 'top' and null)."""
    top = table is t.DatasetExample
    kind = literal("top") if top else table.kind
    quantile = cast(literal(None), Float) if top else table.quantile
    return (
        select(kind.label("kind"), quantile.label("quantile"), table.rank, table.activation, table.x, table.y)
        .add_columns(table.crop, table.amap, t.DatasetImage.source, t.DatasetImage.label)
        .add_columns(t.Asset.sha256, t.Asset.ext, t.Asset.width, t.Asset.height)
        .join(t.DatasetImage, t.DatasetImage.id == table.image_id)
        .join(t.Asset, t.Asset.sha256 == table.asset_sha256)
        .where(table.unit_id == UNIT_ID)
    )


def _examples() -> Any:
    """Top examples by rank, then the bottom ones and the quantile samples by kind and rank."""
    both = union_all(_example_side(t.DatasetExample), _example_side(t.RangeExample)).subquery()
    order = case((both.c.kind == "top", 0), (both.c.kind == "bottom", 1), else_=2)
    return select(both).order_by(order, both.c.rank)


def _edge_side(incoming: bool) -> Any:
    """The unit's ranked edges on one side, with the unit at the other end, its layer and thumbnail."""
    c = t.Connection
    here, there, rank = (
        (c.dst_unit_id, c.src_unit_id, c.in_rank) if incoming else (c.src_unit_id, c.dst_unit_id, c.out_rank)
    )
    other, image, asset = aliased(t.Unit), aliased(t.FeatureVis), aliased(t.Asset)
    return (
        select(literal(incoming).label("incoming"), rank.label("rank"), c.weight, c.kind, c.kernel)
        .add_columns(other.unit, other.label, t.Layer.name, asset.sha256, asset.ext, asset.width, asset.height)
        .join(other, other.id == there)
        .join(t.Layer, t.Layer.id == other.layer_id)
        .outerjoin(image, (image.unit_id == other.id) & (image.key == CHANNEL))
        .outerjoin(asset, asset.sha256 == image.asset_sha256)
        .where(here == UNIT_ID, rank.is_not(None))
    )


def _edges() -> Any:
    """Inputs by in_rank, then outputs by out_rank."""
    both = union_all(_edge_side(True), _edge_side(False)).subquery()
    return select(both).order_by(both.c.incoming.desc(), both.c.rank)


EVIDENCE = "evidence:"  # the name prefix of the family evidence rows in the measures query
EVIDENCE_FIELDS = ("stimulus", "blank", "dataset_peak", "class_share", "passes")


def _evidence_rows() -> list[Any]:
    """The unit's family evidence as score-like rows, one per number: ("evidence:curves:stimulus", value)."""
    e = t.ScoreEvidence
    passes = case((e.passes.is_(True), 1.0), (e.passes.is_(False), 0.0), else_=cast(null(), Float))
    columns = {"stimulus": e.stimulus, "blank": e.blank, "dataset_peak": e.dataset_peak}
    columns |= {"class_share": e.class_share, "passes": passes}
    return [
        select(
            literal(EVIDENCE) + e.family + literal(f":{name}"), cast(null(), JSON), cast(null(), JSON), column
        ).where(e.unit_id == UNIT_ID)
        for name, column in columns.items()
    ]


def _measures(evidence: bool) -> Any:
    """The unit's tuning curves (name, axes, values) and scores (name, value), by name; with its family evidence
    (score-like rows named "evidence:<family>:<number>") when the store's format keeps it."""
    curves = select(t.UnitCurve.name, t.UnitCurve.axes, t.UnitCurve.values, cast(null(), Float).label("value"))
    scores = select(t.UnitScore.score, cast(null(), JSON), cast(null(), JSON), t.UnitScore.value)
    parts = [curves.where(t.UnitCurve.unit_id == UNIT_ID), scores.where(t.UnitScore.unit_id == UNIT_ID)]
    found = union_all(*parts, *(_evidence_rows() if evidence else [])).subquery()
    return select(found).order_by(found.c.name)


HEADS = {True: _head(True), False: _head(False)}  # by whether the store's format keeps figures
MEASURES = {True: _measures(True), False: _measures(False)}  # by whether it keeps family evidence
EXAMPLES, EDGES = _examples(), _edges()


def read_unit(
    connection: Connection, model_id: str, layer: str, unit: int, figures: bool = True, evidence: bool = True
) -> UnitDetail | None:
    """Everything stored about one unit, or None (four queries); `figures`, `evidence`: whether the store's format
    keeps them."""
    rows = connection.execute(HEADS[figures], {"model_id": model_id, "layer": layer, "unit": unit}).all()
    if not rows:
        return None
    first, bound = rows[0], {"unit_id": rows[0].id}
    views = sorted((_feature_vis(row) for row in rows if row.fv_key is not None), key=lambda v: page_order(v.key))
    top, beyond = _split_examples(connection.execute(EXAMPLES, bound))
    inputs, outputs = _split_edges(connection.execute(EDGES, bound))
    curves, scores = _split_measures(connection.execute(MEASURES[evidence], bound))
    found = _split_evidence(first.number, scores)
    thumbnail = next((v.asset for v in views if v.key == VisKey(CHANNEL)), None)
    source = LabelSource(first.key, first.title, first.authors, first.year, first.url, first.license)
    detail = UnitDetail(
        summary=UnitSummary(first.number, first.label, first.branch, thumbnail, source if first.key else None, scores),
        feature_vis=views,
        dataset_examples=top,
        range_examples=beyond,
        stats=_stats(first),
        curves=curves,
        inputs=inputs,
        outputs=outputs,
        same_unit=_same_unit(first),
        card=None if first.card_sha256 is None else AssetRef(first.card_sha256, "png", CARD_WIDTH, CARD_HEIGHT),
        evidence=found,
    )
    kept = stored.unpack(first.figures)
    return replace(detail, figures=kept) if kept is not None and covers(kept, detail) else detail


def _feature_vis(row: Any) -> FeatureVisView:
    asset = AssetRef(row.sha256, row.ext, row.width, row.height)
    return FeatureVisView(
        VisKey.parse(row.fv_key), row.description, asset, row.activation, row.settings, row.pre_activation
    )


def _stats(row: Any) -> ActivationStatsRecord | None:
    if row.images is None:
        return None
    return ActivationStatsRecord(
        row.number, row.images, row.mean, row.std, row.low, row.high, row.quantiles, row.histogram
    )


def _same_unit(row: Any) -> UnitRef | None:
    """A mixed layer's unit as a unit of its stored branch layer, or a branch layer's unit in its mixed layer."""
    if row.branch is not None and row.branch_start is not None:
        return UnitRef(row.branch, row.number - row.branch_start)
    if row.parent is not None and row.parent_start is not None:
        return UnitRef(row.parent, row.parent_start + row.number)
    return None


def _split_examples(rows: Any) -> tuple[list[ExampleView], list[RangeExampleView]]:
    top: list[ExampleView] = []
    beyond: list[RangeExampleView] = []
    for row in rows:
        asset = AssetRef(row.sha256, row.ext, row.width, row.height)
        fields = (row.rank, asset, row.activation, row.source, row.label, row.x, row.y, row.crop, row.amap)
        if row.kind == "top":
            top.append(ExampleView(*fields))
        else:
            beyond.append(RangeExampleView(*fields, kind=row.kind, quantile=row.quantile))
    return top, beyond


def _split_edges(rows: Any) -> tuple[list[EdgeView], list[EdgeView]]:
    sides: dict[bool, list[EdgeView]] = {True: [], False: []}
    for incoming, _, weight, kind, kernel, unit, label, layer, sha, ext, width, height in rows:
        thumbnail = AssetRef(sha, ext, width, height) if sha is not None else None
        sides[bool(incoming)].append(EdgeView(layer, unit, weight, kind, kernel, thumbnail, label))
    return sides[True], sides[False]


def _split_evidence(unit: int, scores: dict[str, float]) -> list[EvidenceRecord]:
    """Take the evidence rows out of `scores` (in place): one record per family, in store.scores order."""
    numbers: dict[str, dict[str, float | None]] = {}
    for name in [name for name in scores if name.startswith(EVIDENCE)]:
        family, field = name[len(EVIDENCE) :].rsplit(":", 1)
        numbers.setdefault(family, {})[field] = scores.pop(name)
    found = []
    for family in [f for f in FAMILY_SCORES if f in numbers]:
        n = numbers[family]
        passes = None if n.get("passes") is None else bool(n["passes"])
        found.append(
            EvidenceRecord(
                unit, family, n["stimulus"] or 0.0, n["blank"] or 0.0, n["dataset_peak"], n["class_share"], passes
            )
        )
    return found


def _split_measures(rows: Any) -> tuple[list[CurveView], dict[str, float]]:
    curves, scores = [], {}
    for name, axes, values, value in rows:
        if axes is None:
            scores[name] = value
        else:
            curves.append(CurveView(name, axes, values))
    return curves, scores
