"""Read-only queries over a store, returning plain views (the app's only way into the database)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from store import schema as t
from store.db import format_version, open_read_only
from store.location import StoreLike, as_location
from store.paths import asset_path, is_asset_key
from store.records import (
    CHANNEL_OBJECTIVE,
    VIS_KINDS,
    AssetRef,
    EdgeView,
    ExampleView,
    FeatureVisView,
    LabelHit,
    LabelSource,
    LayerView,
    ModelView,
    UnitDetail,
    UnitSummary,
    vis_kind,
)

THUMBNAIL_OBJECTIVE = CHANNEL_OBJECTIVE


def _vis_order(view: FeatureVisView) -> tuple[int, str, int]:
    """Known kinds in VIS_KINDS order (channel first), each set by index; unknown keys after, by name."""
    kind, index = vis_kind(view.objective)
    return (VIS_KINDS.index(kind) if kind in VIS_KINDS else len(VIS_KINDS), kind, index)


class StoreReader:
    """The app side of a store, opened read-only."""

    def __init__(self, store: StoreLike) -> None:
        self.location = as_location(store)
        self.engine = open_read_only(self.location.db_url)
        self.format_version = format_version()

    def model_ids(self) -> list[str]:
        """Ids of the stored models, sorted."""
        with Session(self.engine) as session:
            return list(session.scalars(select(t.Model.id).order_by(t.Model.id)))

    def models(self) -> list[ModelView]:
        """Every stored model with its layers."""
        return [m for m in (self.model(i) for i in self.model_ids()) if m is not None]

    def model(self, model_id: str) -> ModelView | None:
        """One model with its layers in forward order, or None."""
        with Session(self.engine) as session:
            row = session.get(t.Model, model_id)
            if row is None:
                return None
            layers = session.scalars(select(t.Layer).where(t.Layer.model_id == model_id).order_by(t.Layer.position))
            rows = list(layers)
            stages = self._stages(session, [layer.id for layer in rows])
            views = tuple(
                _layer_view(layer, _next_name(rows, i), stages.get(layer.id, ())) for i, layer in enumerate(rows)
            )
            return ModelView(
                id=row.id,
                title=row.title,
                description=row.description,
                architecture=row.architecture,
                weights_hash=row.weights_hash,
                input_spec=row.input_spec,
                class_labels=row.class_labels,
                images_root=row.images_root,
                layers=views,
                warning=row.warning,
            )

    def units(self, model_id: str, layer: str) -> list[UnitSummary]:
        """The units of a layer in index order, each with its channel-visualization thumbnail."""
        with Session(self.engine) as session:
            return self._summaries(session, model_id, layer)

    def unit(self, model_id: str, layer: str, index: int) -> UnitDetail | None:
        """Everything stored about one unit, or None."""
        with Session(self.engine) as session:
            row = session.execute(
                select(t.Unit, t.Layer)
                .join(t.Layer)
                .where(t.Layer.model_id == model_id, t.Layer.name == layer, t.Unit.index == index)
            ).first()
            if row is None:
                return None
            unit, layer_row = row
            thumbs = self._thumbnails(session, [unit.id])
            return UnitDetail(
                summary=_summary(unit, thumbs, self._label_sources(session)),
                feature_vis=self._feature_vis(session, unit.id),
                dataset_examples=self._examples(session, unit.id),
                inputs=self._edges(session, unit.id, incoming=True),
                outputs=self._edges(session, unit.id, incoming=False),
            )

    def branch_start(self, model_id: str, layer: str, branch: str) -> int | None:
        """The first unit of `layer` that belongs to `branch` (a branch's units are one span), or None."""
        query = (
            select(func.min(t.Unit.index))
            .join(t.Layer)
            .where(t.Layer.model_id == model_id, t.Layer.name == layer, t.Unit.branch == branch)
        )
        with Session(self.engine) as session:
            return session.scalar(query)

    def units_labelled(self, text: str, limit: int = 100) -> list[LabelHit]:
        """Units whose hand label contains `text` (any case), by model, layer in forward order and index."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            select(t.Layer.model_id, t.Layer.name, t.Unit.index, t.Unit.label)
            .join(t.Layer)
            .where(t.Unit.label.ilike(pattern, escape="\\"))
            .order_by(t.Layer.model_id, t.Layer.position, t.Unit.index)
            .limit(limit)
        )
        with Session(self.engine) as session:
            return [LabelHit(*row) for row in session.execute(query)]

    def asset_file(self, sha256: str, ext: str) -> Path | None:
        """The file of a stored asset, or None when the key is malformed or unknown."""
        if not is_asset_key(sha256, ext):
            return None
        path = asset_path(self.location.assets, sha256, ext)
        return path if path.is_file() else None

    def _summaries(self, session: Session, model_id: str, layer: str) -> list[UnitSummary]:
        units = list(
            session.scalars(
                select(t.Unit)
                .join(t.Layer)
                .where(t.Layer.model_id == model_id, t.Layer.name == layer)
                .order_by(t.Unit.index)
            )
        )
        thumbs = self._thumbnails(session, [u.id for u in units])
        sources = self._label_sources(session)
        return [_summary(u, thumbs, sources) for u in units]

    @staticmethod
    def _label_sources(session: Session) -> dict[int, LabelSource]:
        return {
            row.id: LabelSource(row.key, row.title, row.authors, row.year, row.url, row.license)
            for row in session.scalars(select(t.LabelSource))
        }

    @staticmethod
    def _thumbnails(session: Session, unit_ids: list[int]) -> dict[int, AssetRef]:
        query = (
            select(t.FeatureVis.unit_id, t.Asset)
            .join(t.Asset, t.Asset.sha256 == t.FeatureVis.asset_sha256)
            .where(t.FeatureVis.objective == THUMBNAIL_OBJECTIVE, t.FeatureVis.unit_id.in_(unit_ids))
        )
        return {unit_id: _asset(asset) for unit_id, asset in session.execute(query)}

    @staticmethod
    def _feature_vis(session: Session, unit_id: int) -> list[FeatureVisView]:
        query = (
            select(t.FeatureVis, t.Asset)
            .join(t.Asset, t.Asset.sha256 == t.FeatureVis.asset_sha256)
            .where(t.FeatureVis.unit_id == unit_id)
            .order_by(t.FeatureVis.objective)
        )
        views = [
            FeatureVisView(fv.objective, fv.description, _asset(asset), fv.activation, fv.settings)
            for fv, asset in session.execute(query)
        ]
        return sorted(views, key=_vis_order)

    @staticmethod
    def _examples(session: Session, unit_id: int) -> list[ExampleView]:
        query = (
            select(t.DatasetExample, t.DatasetImage, t.Asset)
            .join(t.DatasetImage, t.DatasetImage.id == t.DatasetExample.image_id)
            .join(t.Asset, t.Asset.sha256 == t.DatasetExample.asset_sha256)
            .where(t.DatasetExample.unit_id == unit_id)
            .order_by(t.DatasetExample.rank)
        )
        return [
            ExampleView(ex.rank, _asset(asset), ex.activation, image.source, image.label, ex.x, ex.y, ex.crop)
            for ex, image, asset in session.execute(query)
        ]

    def _edges(self, session: Session, unit_id: int, incoming: bool) -> list[EdgeView]:
        here, there = (t.Connection.dst_unit_id, t.Connection.src_unit_id)
        rank = t.Connection.in_rank if incoming else t.Connection.out_rank
        if not incoming:
            here, there = there, here
        other = aliased(t.Unit)
        query = (
            select(t.Connection, other.id, other.index, t.Layer.name)
            .join(other, other.id == there)
            .join(t.Layer, t.Layer.id == other.layer_id)
            .where(here == unit_id, rank.is_not(None))
            .order_by(rank)
        )
        rows = session.execute(query).all()
        thumbs = self._thumbnails(session, [other_id for _, other_id, _, _ in rows])
        return [
            EdgeView(name, index, edge.weight, edge.kind, edge.kernel, thumbs.get(other_id))
            for edge, other_id, index, name in rows
        ]

    @staticmethod
    def _stages(session: Session, layer_ids: list[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for layer_id, stage in session.execute(
            select(t.Stage.layer_id, t.Stage.stage).where(t.Stage.layer_id.in_(layer_ids)).order_by(t.Stage.stage)
        ):
            found.setdefault(layer_id, []).append(stage)
        return {k: tuple(v) for k, v in found.items()}


def _summary(unit: t.Unit, thumbs: dict[int, AssetRef], sources: dict[int, LabelSource]) -> UnitSummary:
    source = sources.get(unit.label_source_id) if unit.label_source_id is not None else None
    return UnitSummary(unit.index, unit.label, unit.branch, thumbs.get(unit.id), source)


def _next_name(rows: list[t.Layer], i: int) -> str | None:
    """The next layer in forward order with the same parent: main layers page to main layers, branches to branches."""
    return next((row.name for row in rows[i + 1 :] if row.parent == rows[i].parent), None)


def _asset(row: t.Asset) -> AssetRef:
    return AssetRef(row.sha256, row.ext, row.width, row.height)


def _layer_view(row: t.Layer, next_name: str | None, stages: tuple[str, ...]) -> LayerView:
    return LayerView(
        name=row.name,
        position=row.position,
        kind=row.kind,
        units=row.units,
        height=row.height,
        width=row.width,
        rf_size=row.rf_size,
        rf_stride=row.rf_stride,
        previous=row.previous,
        next=next_name,
        stages=stages,
        parent=row.parent,
    )
