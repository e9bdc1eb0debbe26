"""Read-only queries over a store, returning plain views (the app's only way into the database).

Each page is answered in a fixed number of queries, whatever the model's size: a model with its layers and
stages is one query, a layer's units with thumbnails and label sources one, a unit four (store.unit_read: itself with
its images, activation statistics, stored figures and the same unit in a branch layer; its dataset examples, top and
across the activation range; its edges in both directions with thumbnails; its scores and tuning curves).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import ColumnElement, Connection, Select, bindparam, case, false, func, select, true
from sqlalchemy.orm import Session, aliased

from store import schema as t
from store import tensors
from store.db import StoreDamagedError, format_version, open_read_only, require_intact, stored_format
from store.experiments import Experiment, ExperimentResult
from store.experiments_read import stored_experiment, stored_experiments
from store.findings_read import Finding, stored_findings
from store.kinds import CHANNEL, VisKey
from store.location import StoreLike, as_location
from store.paths import asset_path, is_asset_key
from store.records import (
    AssetRef,
    CurveView,
    FamilyCount,
    FeatureVisView,
    LabelHit,
    LabelSource,
    LayerView,
    ModelView,
    Picture,
    ScoredUnit,
    SvdRecord,
    UnitDetail,
    UnitSummary,
    WeightsView,
)
from store.refs import UnitRef
from store.unit_read import read_unit

R = TypeVar("R")
FIGURES_FORMAT = "0007"  # the store format that keeps unit pages' figures
EVIDENCE_FORMAT = "0008"  # the store format that keeps family evidence (store.schema.ScoreEvidence)
FINDINGS_FORMAT = "0009"  # the store format that keeps models' findings (precompute.findings)
EXPERIMENTS_FORMAT = "0010"  # the store format that keeps experiments run on models (precompute.experiments)


class StoreReader:
    """The app side of a store, opened read-only."""

    def __init__(self, store: StoreLike) -> None:
        self.location = as_location(store)
        self.engine = open_read_only(self.location.db_url)
        self.format_version = format_version()
        found = stored_format(self.engine) or ""
        self.keeps_figures = found >= FIGURES_FORMAT  # stores of an older format have none
        self.keeps_evidence = found >= EVIDENCE_FORMAT  # older ones rank every scored unit into families
        self.keeps_findings = found >= FINDINGS_FORMAT
        self.keeps_experiments = found >= EXPERIMENTS_FORMAT
        if not self.location.assets.is_dir():
            self.engine.dispose()
            raise StoreDamagedError(
                f"the store's asset folder {self.location.assets} is missing; copy it with the database "
                "(--assets names it when it is elsewhere)"
            )

    def verify(self) -> None:
        """Raise StoreDamagedError when the database has a damaged page (reads it all: a second per gigabyte)."""
        require_intact(self.engine, self.location.db_url)

    def contents_stamp(self) -> str:
        """What each precompute run changes (models, finished stages with their settings, assets stored, findings): the
        identity of a store in a database server, whose URL stays the same when a run writes to it."""
        with Session(self.engine) as session:
            models = session.execute(select(t.Model.id, t.Model.weights_hash).order_by(t.Model.id)).all()
            order = (t.Stage.layer_id, t.Stage.stage)
            stages = session.execute(select(*order, t.Stage.settings).order_by(*order)).all()
            assets = session.scalar(select(func.count()).select_from(t.Asset))
            # Findings are no layer's stage: a run may re-measure them alone (another model joined the store).
            found = (
                session.execute(
                    select(t.ModelFinding.model_id, t.ModelFinding.payload).order_by(
                        t.ModelFinding.model_id, t.ModelFinding.position
                    )
                ).all()
                if self.keeps_findings
                else []
            )
            # Experiments likewise: a run may run them again alone (other settings).
            tried = (
                session.execute(
                    select(t.ModelExperiment.model_id, t.ModelExperiment.key, t.ModelExperiment.settings).order_by(
                        t.ModelExperiment.model_id, t.ModelExperiment.position
                    )
                ).all()
                if self.keeps_experiments
                else []
            )
        rows = [[tuple(row) for row in part] for part in (models, stages, found, tried)]
        return repr((rows[0], rows[1], assets, rows[2], rows[3]))

    def model_ids(self) -> list[str]:
        """Ids of the stored models, sorted."""
        with Session(self.engine) as session:
            return list(session.scalars(select(t.Model.id).order_by(t.Model.id)))

    def models(self) -> list[ModelView]:
        """Every stored model with its layers (one query)."""
        with self.engine.connect() as connection:
            return _model_views(connection, None)

    def model(self, model_id: str) -> ModelView | None:
        """One model with its layers in forward order, or None (one query)."""
        with self.engine.connect() as connection:
            found = _model_views(connection, model_id)
        return found[0] if found else None

    def units(self, model_id: str, layer: str, pictures: Sequence[str] = ()) -> list[UnitSummary]:
        """The units of a layer in order, each with its channel-visualization thumbnail, label, scores and its images
        of the `pictures` kinds (one query)."""
        with Session(self.engine) as session:
            return _summaries(session, _layer_units(model_id, pictures).where(t.Layer.name == layer))

    def previews(self, model_id: str, count: int) -> dict[str, list[UnitSummary]]:
        """The first `count` units of every layer of the model, by layer name (one query)."""
        query = _layer_units(model_id).where(t.Unit.unit < count)
        found: dict[str, list[UnitSummary]] = {}
        with Session(self.engine) as session:
            for name, summary in zip(*_named_summaries(session, query), strict=True):
                found.setdefault(name, []).append(summary)
        return found

    def unit(self, model_id: str, layer: str, unit: int) -> UnitDetail | None:
        """Everything stored about one unit, or None (four queries: store.unit_read)."""
        with self.engine.connect() as connection:
            return read_unit(connection, model_id, layer, unit, self.keeps_figures, self.keeps_evidence)

    def findings(self, model_id: str) -> list[Finding] | None:
        """The model's findings in order (empty: not computed), or None when the store's format keeps none (one
        query)."""
        if not self.keeps_findings:
            return None
        with self.engine.connect() as connection:
            return stored_findings(connection, model_id)

    def experiments(self, model_id: str) -> list[ExperimentResult] | None:
        """The experiments run on the model, in the order run (empty: none), or None when the store's format keeps
        none (one query)."""
        if not self.keeps_experiments:
            return None
        with self.engine.connect() as connection:
            return stored_experiments(connection, model_id)

    def experiment(self, model_id: str, experiment: Experiment) -> ExperimentResult | None:
        """One experiment's stored result, or None when it was not run (or the format keeps none; one query)."""
        if not self.keeps_experiments:
            return None
        with self.engine.connect() as connection:
            return stored_experiment(connection, model_id, experiment)

    def hand_labels(self) -> list[LabelHit]:
        """Every hand-labelled unit of every model, by model, layer in forward order and unit (one query)."""
        query = (
            select(t.Layer.model_id, t.Layer.name, t.Unit.unit, t.Unit.label)
            .join(t.Layer)
            .where(t.Unit.label.is_not(None))
            .order_by(t.Layer.model_id, t.Layer.position, t.Unit.unit)
        )
        with Session(self.engine) as session:
            return [LabelHit(*row) for row in session.execute(query)]

    def top_scored(self, score: str, top: int, family: str | None = None) -> list[ScoredUnit]:
        """The `top` units of any model with the highest value of `score`, highest first; only the family's members
        (see `members`) when a family is named; one query. Ties (a ratio saturates at 1.0 for many units): the larger
        absolute response to the family's stimuli first (its evidence's best stimulus response above its blank one,
        where kept), then the lower unit number, then by model and layer in forward order."""
        response = self.response(family)
        ties = [] if response is None else [response.desc().nulls_last()]
        query = (
            select(t.Layer.model_id, t.Layer.name, t.Unit.unit, t.UnitScore.value, self.passed(family))
            .select_from(t.UnitScore)
            .join(t.Unit, t.Unit.id == t.UnitScore.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .where(t.UnitScore.score == score, self.members(family))
            .order_by(t.UnitScore.value.desc(), *ties, t.Unit.unit, t.Layer.model_id, t.Layer.position)
            .limit(top)
        )
        with Session(self.engine) as session:
            return [ScoredUnit(*row) for row in session.execute(query)]

    def branch_units(self, branch: str) -> list[UnitRef]:
        """The units, in any model, of the concatenating layers' branch `branch` (in any case), in order (one query)."""
        query = (
            select(t.Layer.model_id, t.Layer.name, t.Unit.unit)
            .join(t.Layer)
            .where(func.lower(t.Unit.branch) == branch.lower())
            .order_by(t.Layer.model_id, t.Layer.position, t.Unit.unit)
        )
        with Session(self.engine) as session:
            return [UnitRef(layer, unit, model) for model, layer, unit in session.execute(query)]

    def channel_images(self, model_id: str, layer: str) -> dict[int, FeatureVisView]:
        """Each unit's channel visualization in a layer, by unit, in unit order (one query)."""
        query = (
            select(t.Unit.unit, t.FeatureVis, t.Asset)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .join(t.FeatureVis, (t.FeatureVis.unit_id == t.Unit.id) & (t.FeatureVis.key == CHANNEL))
            .join(t.Asset, t.Asset.sha256 == t.FeatureVis.asset_sha256)
            .where(t.Layer.model_id == model_id, t.Layer.name == layer)
            .order_by(t.Unit.unit)
        )
        with Session(self.engine) as session:
            return {unit: _feature_vis(image, asset) for unit, image, asset in session.execute(query)}

    def weights(self, model_id: str, layer: str) -> WeightsView | None:
        """The full weights into `layer` from its previous layer, or None when none are stored (one query)."""
        with Session(self.engine) as session:
            found = _weight_views(session, model_id, into=layer)
        return found[0] if found else None

    def weights_from(self, model_id: str, layer: str) -> list[WeightsView]:
        """The stored weights out of `layer` into each layer that computes from it, in forward order (one query)."""
        with Session(self.engine) as session:
            return _weight_views(session, model_id, source=layer)

    def tensor(self, view: WeightsView) -> np.ndarray:
        """A layer pair's weights (out, in, kh, kw) as float16, memory-mapped read-only from its asset file."""
        path = asset_path(self.location.assets, view.asset.sha256, view.asset.ext)
        if not path.is_file():
            raise StoreDamagedError(f"the weight tensor {view.source} → {view.layer} is missing its file {path}")
        array = tensors.load(path, view.format)
        if tuple(array.shape) != view.shape:
            raise StoreDamagedError(f"the weight tensor file {path} has shape {array.shape}, not {view.shape}")
        return array

    def asset_file(self, sha256: str, ext: str) -> Path | None:
        """The file of a stored asset, or None when the key is malformed or unknown."""
        if not is_asset_key(sha256, ext):
            return None
        path = asset_path(self.location.assets, sha256, ext)
        return path if path.is_file() else None

    def members(self, family: str | None) -> ColumnElement[bool]:
        """Where a unit (t.Unit) may be listed in `family`: it passed the family's gate, or its layer has no gated
        evidence (measured without dataset examples, or before the gate; then every scored unit is listed)."""
        if family is None or not self.keeps_evidence:
            return true()
        e, unit = t.ScoreEvidence, aliased(t.Unit)
        gated = select(unit.layer_id).join(e, e.unit_id == unit.id).where(e.family == family, e.passes.is_not(None))
        return self.passed(family) | t.Unit.layer_id.not_in(gated)

    def passed(self, family: str | None) -> ColumnElement[bool]:
        """Whether a unit (t.Unit) passed the family's gate (false where the store keeps no evidence)."""
        if family is None or not self.keeps_evidence:
            return false()
        e = t.ScoreEvidence
        return t.Unit.id.in_(select(e.unit_id).where(e.family == family, e.passes.is_(True)))

    def response(self, family: str | None) -> ColumnElement[float] | None:
        """A unit's (t.Unit) best response to the family's stimuli above its response to a blank image, from its
        evidence (SQL null where it has none); None without a family, or where the store keeps no evidence."""
        if family is None or not self.keeps_evidence:
            return None
        e = t.ScoreEvidence
        found = select(e.stimulus - e.blank).where(e.unit_id == t.Unit.id, e.family == family)
        return found.scalar_subquery()

    def family_counts(self, family: str, model_id: str | None = None) -> dict[tuple[str, str], FamilyCount]:
        """Per (model, layer) with gated evidence for `family`: its members, units measured and whether its images
        carry the demo's labels; empty for stores without evidence (one query)."""
        if not self.keeps_evidence:
            return {}
        e = t.ScoreEvidence
        query = (
            select(t.Layer.model_id, t.Layer.name)
            .add_columns(func.count(case((e.passes.is_(True), 1))), func.count(), func.count(e.class_share))
            .join(t.Unit, t.Unit.id == e.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .where(e.family == family, e.passes.is_not(None))
            .group_by(t.Layer.model_id, t.Layer.name)
        )
        if model_id is not None:
            query = query.where(t.Layer.model_id == model_id)
        with Session(self.engine) as session:
            rows = session.execute(query).all()
        return {(m, n): FamilyCount(members, measured, labelled > 0) for m, n, members, measured, labelled in rows}

    def units_scored(
        self,
        model_id: str,
        score: str,
        top: int,
        layers: Sequence[str] | None = None,
        family: str | None = None,
        pictures: Sequence[str] = (),
    ) -> dict[str, list[UnitSummary]]:
        """Each layer's `top` units by `score`, highest first (ties: lower unit first), with thumbnails, labels,
        every score and their images of the `pictures` kinds, by layer name in forward order; only layers where some
        unit holds the score, only `layers` when given, and only the family's members (see `members`) when a family
        is named (one query: the ranking is a window over each layer's scores)."""
        rank = func.row_number().over(partition_by=t.Unit.layer_id, order_by=(t.UnitScore.value.desc(), t.Unit.unit))
        ranked = (
            select(t.UnitScore.unit_id, rank.label("rank"))
            .join(t.Unit, t.Unit.id == t.UnitScore.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .where(t.Layer.model_id == model_id, t.UnitScore.score == score, self.members(family))
        )
        if layers is not None:
            ranked = ranked.where(t.Layer.name.in_(list(layers)))
        best = ranked.subquery()
        query = (
            _layer_units(model_id, pictures)
            .join(best, best.c.unit_id == t.Unit.id)
            .where(best.c.rank <= top)
            .order_by(None)
            .order_by(t.Layer.position, best.c.rank)
        )
        found: dict[str, list[UnitSummary]] = {}
        with Session(self.engine) as session:
            for name, summary in zip(*_named_summaries(session, query), strict=True):
                found.setdefault(name, []).append(summary)
        return found

    def curves_of(
        self, model_id: str, chosen: Mapping[str, Sequence[int]], name: str
    ) -> dict[str, dict[int, CurveView]]:
        """The curve called `name` of the chosen units of several layers, by layer then unit; units without it are
        absent (one query)."""
        numbers = sorted({u for units in chosen.values() for u in units})
        query = (
            select(t.Layer.name, t.Unit.unit, t.UnitCurve)
            .join(t.Unit, t.Unit.id == t.UnitCurve.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .where(t.Layer.model_id == model_id, t.Layer.name.in_(list(chosen)), t.Unit.unit.in_(numbers))
            .where(t.UnitCurve.name == name)
        )
        found: dict[str, dict[int, CurveView]] = {layer: {} for layer in chosen}
        with Session(self.engine) as session:
            for layer, unit, curve in session.execute(query):
                if unit in chosen[layer]:  # the query fetched every chosen number of every chosen layer
                    found[layer][unit] = CurveView(curve.name, curve.axes, curve.values)
        return found

    def examples_of(
        self, model_id: str, chosen: Mapping[str, Sequence[int]], count: int
    ) -> dict[str, dict[int, list[AssetRef]]]:
        """The crops of the chosen units' first `count` top dataset examples, best first, by layer then unit; units
        without examples are absent (one query): the evidence a teaching view shows beside a unit's picture."""
        return self.examples_across({model_id: chosen}, count)[model_id]

    def examples_across(
        self, chosen: Mapping[str, Mapping[str, Sequence[int]]], count: int
    ) -> dict[str, dict[str, dict[int, list[AssetRef]]]]:
        """`examples_of` for the chosen units of several models ({model: {layer: units}}), by model, layer then unit
        (one query, whatever the number of models)."""
        layers = sorted({layer for of in chosen.values() for layer in of})
        numbers = sorted({u for of in chosen.values() for units in of.values() for u in units})
        query = (
            select(t.Layer.model_id, t.Layer.name, t.Unit.unit, t.Asset)
            .select_from(t.DatasetExample)
            .join(t.Unit, t.Unit.id == t.DatasetExample.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .join(t.Asset, t.Asset.sha256 == t.DatasetExample.asset_sha256)
            .where(t.Layer.model_id.in_(list(chosen)), t.Layer.name.in_(layers), t.Unit.unit.in_(numbers))
            .where(t.DatasetExample.rank < count)
            .order_by(t.Layer.model_id, t.Layer.name, t.Unit.unit, t.DatasetExample.rank)
        )
        found: dict[str, dict[str, dict[int, list[AssetRef]]]] = {m: {n: {} for n in of} for m, of in chosen.items()}
        with Session(self.engine) as session:
            for model, layer, unit, asset in session.execute(query):
                if unit in chosen[model].get(layer, ()):  # the query fetched every chosen number of every chosen layer
                    found[model][layer].setdefault(unit, []).append(_ref(asset))
        return found

    def pictures_of(
        self, model_id: str, chosen: Mapping[str, Sequence[int]], keys: Sequence[str]
    ) -> dict[str, dict[int, dict[str, Picture]]]:
        """The chosen units' feature-vis images stored under `keys`, by layer, unit, then key; units holding none of
        them are absent (one query)."""
        numbers = sorted({u for units in chosen.values() for u in units})
        query = (
            select(t.Layer.name, t.Unit.unit, t.FeatureVis.key, t.Asset, _transparency(t.FeatureVis))
            .join(t.Unit, t.Unit.id == t.FeatureVis.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .join(t.Asset, t.Asset.sha256 == t.FeatureVis.asset_sha256)
            .where(t.Layer.model_id == model_id, t.Layer.name.in_(list(chosen)), t.Unit.unit.in_(numbers))
            .where(t.FeatureVis.key.in_(list(keys)))
        )
        found: dict[str, dict[int, dict[str, Picture]]] = {layer: {} for layer in chosen}
        with Session(self.engine) as session:
            for layer, unit, key, asset, transparency in session.execute(query):
                if unit in chosen[layer]:  # the query fetched every chosen number of every chosen layer
                    found[layer].setdefault(unit, {})[key] = _picture(asset, transparency)
        return found


def record(cls: type[R], row: Any, **extra: Any) -> R:
    """A record dataclass filled from the same-named attributes of a table row (and `extra`)."""
    names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in extra]  # type: ignore[arg-type]
    return cls(**{name: getattr(row, name) for name in names if hasattr(row, name)}, **extra)


def _models_query(one: bool) -> Select:
    """Every model (or the one bound as `model_id`) with each of its layers and the stages finished for it."""
    stages = select(func.aggregate_strings(t.Stage.stage, ",")).where(t.Stage.layer_id == t.Layer.id)
    layer = [c for c in t.Layer.__table__.c if c.name not in ("id", "model_id")]
    query = (
        select(*t.Model.__table__.c, t.Layer.id.label("layer_id"), *layer, stages.scalar_subquery().label("stages"))
        .outerjoin(t.Layer, t.Layer.model_id == t.Model.id)
        .order_by(t.Model.id, t.Layer.position)
    )
    return query.where(t.Model.id == bindparam("model_id")) if one else query


_ALL_MODELS, _ONE_MODEL = _models_query(False), _models_query(True)  # built once: a page only binds the id


def _model_views(connection: Connection, model_id: str | None) -> list[ModelView]:
    query, bound = (_ALL_MODELS, {}) if model_id is None else (_ONE_MODEL, {"model_id": model_id})
    models: dict[str, Any] = {}
    layers: dict[str, list[Any]] = {}
    for row in connection.execute(query, bound):
        models.setdefault(row.id, row)
        found = layers.setdefault(row.id, [])
        if row.layer_id is not None:
            found.append(row)
    return [record(ModelView, model, layers=_layer_views(layers[model.id])) for model in models.values()]


def _layer_views(rows: list[Any]) -> tuple[LayerView, ...]:
    return tuple(
        record(
            LayerView, row, next=_next_name(rows, i), stages=tuple(sorted(row.stages.split(",") if row.stages else ()))
        )
        for i, row in enumerate(rows)
    )


def _next_name(rows: list[Any], i: int) -> str | None:
    """The next layer in forward order with the same parent: main layers page to main layers, branches to branches."""
    return next((row.name for row in rows[i + 1 :] if row.parent == rows[i].parent), None)


def _thumbnail_join(unit: Any) -> tuple[Any, Any, Any, Any]:
    """A channel image and its asset, outer-joined to `unit` (a unit holds at most one image per key)."""
    image, asset = aliased(t.FeatureVis), aliased(t.Asset)
    on_image = (image.unit_id == unit.id) & (image.key == CHANNEL)
    return image, on_image, asset, asset.sha256 == image.asset_sha256


def _layer_units(model_id: str, pictures: Sequence[str] = ()) -> Select:
    """The units of the model's layers with their layer name, label source, thumbnail and scores (and their images
    of the `pictures` kinds), in forward order.

    A unit with several scores (or pictures) comes once per score and picture (`_named_summaries` folds them).
    """
    image, on_image, asset, on_asset = _thumbnail_join(t.Unit)
    query = (
        select(t.Layer.name, t.Unit, t.LabelSource, asset, t.UnitScore.score, t.UnitScore.value)
        .join(t.Layer, t.Layer.id == t.Unit.layer_id)
        .outerjoin(t.LabelSource, t.LabelSource.id == t.Unit.label_source_id)
        .outerjoin(image, on_image)
        .outerjoin(asset, on_asset)
        .outerjoin(t.UnitScore, t.UnitScore.unit_id == t.Unit.id)
        .where(t.Layer.model_id == model_id)
        .order_by(t.Layer.position, t.Unit.unit)
    )
    if not pictures:
        return query
    picture, picture_asset = aliased(t.FeatureVis), aliased(t.Asset)
    return (
        query.add_columns(picture.key, picture_asset, _transparency(picture))
        .outerjoin(picture, (picture.unit_id == t.Unit.id) & picture.key.in_(list(pictures)))
        .outerjoin(picture_asset, picture_asset.sha256 == picture.asset_sha256)
    )


def _named_summaries(session: Session, query: Select) -> tuple[list[str], list[UnitSummary]]:
    found: dict[int, tuple[str, UnitSummary]] = {}
    for name, unit, source, asset, score, value, *picture in session.execute(query):
        if unit.id not in found:
            found[unit.id] = (name, _summary(unit, _asset(asset), source))
        if score is not None:
            found[unit.id][1].scores[score] = value
        if picture and picture[1] is not None:  # asked for pictures, and the unit holds this one
            key, asset, transparency = picture
            found[unit.id][1].pictures[key] = _picture(asset, transparency)
    return [name for name, _ in found.values()], [summary for _, summary in found.values()]


def _summaries(session: Session, query: Select) -> list[UnitSummary]:
    return _named_summaries(session, query)[1]


def _summary(
    unit: t.Unit, thumbnail: AssetRef | None, source: t.LabelSource | None, scores: dict[str, float] | None = None
) -> UnitSummary:
    label_source = record(LabelSource, source) if source is not None else None
    return UnitSummary(unit.unit, unit.label, unit.branch, thumbnail, label_source, dict(scores or {}))


def _ref(row: t.Asset) -> AssetRef:
    return AssetRef(row.sha256, row.ext, row.width, row.height)


def _asset(row: t.Asset | None) -> AssetRef | None:
    return None if row is None else _ref(row)


def _transparency(image: Any) -> ColumnElement[float]:
    """A feature-vis row's stored transparency (absent before --transparency, and for opaque images: NULL)."""
    return image.settings["transparency"].as_float()


def _picture(asset: t.Asset, transparency: float | None) -> Picture:
    return Picture(_ref(asset), transparency or 0.0)


def _feature_vis(image: t.FeatureVis, asset: t.Asset) -> FeatureVisView:
    return FeatureVisView(
        VisKey.parse(image.key),
        image.description,
        _asset(asset),
        image.activation,
        image.settings,
        image.pre_activation,
    )


def _weight_views(
    session: Session, model_id: str, *, into: str | None = None, source: str | None = None
) -> list[WeightsView]:
    """Stored weight tensors of the model into the layer `into`, or out of the layer `source`, in forward order."""
    dst, src = aliased(t.Layer), aliased(t.Layer)
    query = (
        select(t.WeightTensor, dst.name, src.name, t.Asset)
        .join(dst, dst.id == t.WeightTensor.layer_id)
        .join(src, src.id == t.WeightTensor.source_id)
        .join(t.Asset, t.Asset.sha256 == t.WeightTensor.asset_sha256)
        .where(dst.model_id == model_id)
        .order_by(dst.position)
    )
    if into is not None:
        query = query.where(dst.name == into)
    if source is not None:
        query = query.where(src.name == source)
    return [
        WeightsView(
            layer=layer,
            source=source_name,
            kind=row.kind,
            shape=tuple(row.shape),
            dtype=row.dtype,
            format=row.format,
            asset=AssetRef(asset.sha256, asset.ext),
            size_bytes=asset.size_bytes,
            max_abs=row.max_abs,
            svd=SvdRecord(**row.svd),
        )
        for row, layer, source_name, asset in session.execute(query)
    ]


def units_of(reader: StoreReader, model_id: str, chosen: dict[str, list[int]]) -> dict[str, dict[int, UnitSummary]]:
    """The chosen units of several layers (by layer name, then unit), with thumbnails, labels and scores (one query)."""
    names, numbers = list(chosen), sorted({u for units in chosen.values() for u in units})
    query = _layer_units(model_id).where(t.Layer.name.in_(names), t.Unit.unit.in_(numbers))
    found: dict[str, dict[int, UnitSummary]] = {name: {} for name in chosen}
    with Session(reader.engine) as session:
        for name, summary in zip(*_named_summaries(session, query), strict=True):
            if summary.unit in chosen[name]:  # the query fetched every chosen number of every chosen layer
                found[name][summary.unit] = summary
    return found
