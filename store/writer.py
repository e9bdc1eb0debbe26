"""Idempotent writes into a store: atomic asset files first, then the rows that reference them in one transaction."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import schema as t
from store import tensors
from store.cards import CARD_HEIGHT, CARD_WIDTH
from store.db import disk_full, finalize, is_disk_full, open_for_writing
from store.experiments import Experiment, ExperimentResult
from store.findings_read import Finding
from store.location import StoreLike, as_location
from store.paths import asset_path
from store.records import (
    CARDS_STAGE,
    CONNECTIONS_STAGE,
    EXAMPLES_STAGE,
    FIGURES_STAGE,
    RANGE_STAGE,
    TUNING_STAGE,
    ActivationStatsRecord,
    CurveRecord,
    DatasetImageRecord,
    EdgeRecord,
    EncodedImage,
    EvidenceRecord,
    ExampleRecord,
    FeatureVisRecord,
    LabelSource,
    LayerRecord,
    ModelRecord,
    RangeExampleRecord,
    Settings,
    WeightsRecord,
    score_stage,
)
from store.run_reader import RunReader, layer_row
from store.scores import get as get_score


class StoreWriter:
    """The precompute side of a store: its database and its asset root, written to (`reader` reads them back)."""

    def __init__(self, store: StoreLike) -> None:
        self.location = as_location(store)
        self.engine = open_for_writing(self.location.db_url)
        self.reader = RunReader(self.engine)  # what the run reads back: finished stages (resume), stored results
        self.location.assets.mkdir(parents=True, exist_ok=True)

    def close(self) -> bool:
        """Finish writing: leave the store finalized for read-only readers; False when another process holds it."""
        return finalize(self.engine)

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # Every write commits as it goes, so even a failed run leaves a consistent store worth finalizing.
        self.close()
        if error is not None and is_disk_full(error):  # one clear error for a file write or a database commit
            raise disk_full(self.location) from error

    def put_model(self, record: ModelRecord) -> None:
        """Add the model, or refresh its description (keeping its images folder); refuse other weights under its id."""
        with Session(self.engine) as session, session.begin():
            row = session.get(t.Model, record.id)
            if row is not None and row.weights_hash != record.weights_hash:
                raise ValueError(
                    f"store {self.location} already holds model {record.id!r} computed from weights "
                    f"sha256 {row.weights_hash[:12]}…, not these ({record.weights_hash[:12]}…); "
                    "use another --store, or delete that store to recompute"
                )
            # The examples stage records the images folder; a run that resumes after it must not forget it.
            images_root = record.images_root or (row.images_root if row is not None else None)
            session.merge(t.Model(**{**record.__dict__, "images_root": images_root}))

    def put_layers(self, model_id: str, layers: Sequence[LayerRecord]) -> None:
        """Add the layers and one row per unit, or update them (branch names too); a stored layer keeps its shape."""
        with Session(self.engine) as session, session.begin():
            for record in layers:
                self._put_layer(session, model_id, record)

    def _put_layer(self, session: Session, model_id: str, record: LayerRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k != "branches"}
        row = self._layer(session, model_id, record.name, missing_ok=True)
        if row is None:
            row = t.Layer(model_id=model_id, **fields)
            session.add(row)
            session.flush()
        elif row.units != record.units:
            raise ValueError(f"layer {record.name!r} has {record.units} units, but the store holds {row.units}")
        else:
            for key, value in fields.items():
                setattr(row, key, value)
        stored = session.execute(select(t.Unit.unit, t.Unit.branch).where(t.Unit.layer_id == row.id))
        have = {unit: branch for unit, branch in stored}
        session.add_all(
            t.Unit(layer_id=row.id, unit=i, branch=record.branches.get(i)) for i in range(record.units) if i not in have
        )
        # Stored units keep their rows (labels, images, scores hang on them) but take the branch names given now.
        renamed = [
            {"unit": i, "branch": record.branches.get(i)} for i, b in have.items() if record.branches.get(i) != b
        ]
        if renamed:
            units = t.Unit.__table__.c
            session.connection().execute(
                update(t.Unit.__table__)
                .where(units.layer_id == row.id, units.index == bindparam("unit"))
                .values(branch=bindparam("branch")),
                renamed,
            )

    def put_unit_labels(
        self, model_id: str, source: LabelSource, labels: Mapping[str, Mapping[int, str]]
    ) -> dict[str, int]:
        """Label units by layer with `source`'s names, replacing what it labelled in this model before.

        A concatenating layer's labels also go to the same units of its stored branch layers. Layers not in the
        store are skipped; returns {layer: units labelled} for the others.
        """
        with Session(self.engine) as session, session.begin():
            if session.get(t.Model, model_id) is None:
                known = ", ".join(session.scalars(select(t.Model.id))) or "(none)"
                raise KeyError(f"store {self.location} has no model {model_id!r}; stored models: {known}")
            source_id = self._put_label_source(session, source)
            layers = {row.name: row for row in session.scalars(select(t.Layer).where(t.Layer.model_id == model_id))}
            session.execute(
                update(t.Unit)
                .where(t.Unit.label_source_id == source_id, t.Unit.layer_id.in_([row.id for row in layers.values()]))
                .values(label=None, label_source_id=None)
            )
            rows = []
            for name, names in labels.items():
                if name in layers:
                    rows += self._label_rows(session, layers, layers[name], names)
            if rows:  # one executemany through the table (an ORM update would want primary keys)
                units = t.Unit.__table__.c
                session.connection().execute(
                    update(t.Unit.__table__)
                    .where(units.layer_id == bindparam("layer"), units.index == bindparam("unit"))
                    .values(label=bindparam("name"), label_source_id=source_id),
                    rows,
                )
            return {name: len(names) for name, names in labels.items() if name in layers}

    @staticmethod
    def _put_label_source(session: Session, source: LabelSource) -> int:
        row = session.scalar(select(t.LabelSource).where(t.LabelSource.key == source.key))
        if row is None:
            row = t.LabelSource(**source.__dict__)
            session.add(row)
        else:
            for key, value in source.__dict__.items():
                setattr(row, key, value)
        session.flush()
        return row.id

    @staticmethod
    def _label_rows(
        session: Session, layers: Mapping[str, t.Layer], layer: t.Layer, names: Mapping[int, str]
    ) -> list[dict[str, object]]:
        bad = sorted(unit for unit in names if not 0 <= unit < layer.units)
        if bad:
            raise ValueError(f"labels for units {bad} of {layer.name}, which has units 0–{layer.units - 1}")
        rows = [{"layer": layer.id, "unit": unit, "name": name} for unit, name in names.items()]
        branch_units: dict[str, list[int]] = defaultdict(list)  # a branch layer's unit k is its k-th unit here
        for unit, branch in session.execute(
            select(t.Unit.unit, t.Unit.branch).where(t.Unit.layer_id == layer.id).order_by(t.Unit.unit)
        ):
            if branch in layers:
                branch_units[branch].append(unit)
        for branch, members in branch_units.items():
            rows += [
                {"layer": layers[branch].id, "unit": k, "name": names[unit]}
                for k, unit in enumerate(members)
                if unit in names and k < layers[branch].units
            ]
        return rows

    def finish_stage(self, model_id: str, layer: str, stage: str, settings: Settings) -> None:
        """Record that `stage` finished for the layer."""
        with Session(self.engine) as session, session.begin():
            self._finish(session, self._layer(session, model_id, layer), stage, settings)

    def put_feature_vis(self, model_id: str, layer: str, records: Iterable[FeatureVisRecord]) -> None:
        """Store rendered visualizations (replacing any of the same unit and key)."""
        with Session(self.engine) as session, session.begin():
            units = self._unit_ids(session, model_id, layer)
            records = list(records)
            shas = [self._put_asset(session, r.image) for r in records]
            self._store_assets(session)
            for r, sha in zip(records, shas, strict=True):
                session.execute(
                    delete(t.FeatureVis).where(t.FeatureVis.unit_id == units[r.unit], t.FeatureVis.key == str(r.key))
                )
                session.add(
                    t.FeatureVis(
                        unit_id=units[r.unit],
                        key=str(r.key),
                        description=r.description,
                        asset_sha256=sha,
                        activation=r.activation,
                        pre_activation=r.pre_activation,
                        settings=r.settings,
                    )
                )

    def put_cards(self, model_id: str, layer: str, cards: Mapping[int, bytes], settings: Settings) -> None:
        """Store each unit's preview card (a PNG of store.cards' size) and finish the cards stage for the layer."""
        with Session(self.engine) as session, session.begin():
            units = self._unit_ids(session, model_id, layer)
            shas = {unit: self._put_file(session, png, "png", CARD_WIDTH, CARD_HEIGHT) for unit, png in cards.items()}
            self._store_assets(session)
            for unit, sha in shas.items():
                session.execute(update(t.Unit).where(t.Unit.id == units[unit]).values(card_sha256=sha))
            self._finish(session, self._layer(session, model_id, layer), CARDS_STAGE, settings)

    def put_unit_figures(self, model_id: str, layer: str, figures: Mapping[int, bytes], settings: Settings) -> None:
        """Replace the stored figures of the layer's unit pages (store.figures.stored.pack's, by unit) and finish
        the figures stage for the layer."""
        with Session(self.engine) as session, session.begin():
            units = self._unit_ids(session, model_id, layer)
            session.execute(delete(t.StoredFigures).where(t.StoredFigures.unit_id.in_(units.values())))
            rows = [{"unit_id": units[unit], "figures": data} for unit, data in figures.items()]
            if rows:
                session.execute(insert(t.StoredFigures), rows)
            self._finish(session, self._layer(session, model_id, layer), FIGURES_STAGE, settings)

    def put_findings(self, model_id: str, findings: Sequence[Finding], settings: Settings) -> None:
        """Replace the model's findings (precompute.findings' payloads, in order), all stored with `settings`."""
        rows = [
            {"model_id": model_id, "key": f["key"], "position": i, "payload": f, "settings": settings}
            for i, f in enumerate(findings)
        ]
        with Session(self.engine) as session, session.begin():
            session.execute(delete(t.ModelFinding).where(t.ModelFinding.model_id == model_id))
            if rows:
                session.execute(insert(t.ModelFinding), rows)

    def put_experiments(self, model_id: str, results: Sequence[ExperimentResult], settings: Settings) -> None:
        """Replace the model's experiments (precompute.experiments' results, in the order run), all with `settings`."""
        rows = [
            {
                "model_id": model_id,
                "key": Experiment.parse(r["spec"]).key,
                "spec": r["spec"],
                "position": i,
                "payload": r,
                "settings": settings,
            }
            for i, r in enumerate(results)
        ]
        with Session(self.engine) as session, session.begin():
            session.execute(delete(t.ModelExperiment).where(t.ModelExperiment.model_id == model_id))
            if rows:
                session.execute(insert(t.ModelExperiment), rows)

    def put_dataset_images(self, model_id: str, images: Sequence[DatasetImageRecord], root: str) -> None:
        """Record the dataset folder and its images (idempotent)."""
        with Session(self.engine) as session, session.begin():
            session.get_one(t.Model, model_id).images_root = root
            have = set(session.scalars(select(t.DatasetImage.source).where(t.DatasetImage.model_id == model_id)))
            session.add_all(
                t.DatasetImage(model_id=model_id, **image.__dict__) for image in images if image.source not in have
            )

    def put_examples(self, model_id: str, layer: str, records: Iterable[ExampleRecord], settings: Settings) -> None:
        """Replace the layer's dataset examples and mark the stage done, atomically."""
        with Session(self.engine) as session, session.begin():
            layer_row = self._layer(session, model_id, layer)
            units = self._unit_ids(session, model_id, layer)
            images = self._image_ids(session, model_id)
            session.execute(delete(t.DatasetExample).where(t.DatasetExample.unit_id.in_(units.values())))
            rows = [self._example_row(session, units, images, r) for r in records]
            self._store_assets(session)  # the asset rows first: examples reference them
            if rows:  # one executemany, not an ORM object per row: layers have tens of thousands
                session.execute(insert(t.DatasetExample), rows)
            self._finish(session, layer_row, EXAMPLES_STAGE, settings)

    def put_range(
        self,
        model_id: str,
        layer: str,
        examples: Iterable[RangeExampleRecord],
        stats: Iterable[ActivationStatsRecord],
        settings: Settings,
    ) -> None:
        """Replace the layer's examples across the activation range and its activation statistics, atomically.

        The images they come from must be stored already (`put_dataset_images`).
        """
        with Session(self.engine) as session, session.begin():
            layer_row = self._layer(session, model_id, layer)
            units = self._unit_ids(session, model_id, layer)
            images = self._image_ids(session, model_id)
            session.execute(delete(t.RangeExample).where(t.RangeExample.unit_id.in_(units.values())))
            session.execute(delete(t.ActivationStats).where(t.ActivationStats.unit_id.in_(units.values())))
            rows = [
                {**self._example_row(session, units, images, r), "kind": r.kind, "quantile": r.quantile}
                for r in examples
            ]
            self._store_assets(session)
            if rows:
                session.execute(insert(t.RangeExample), rows)
            stat_rows = [
                {**{k: v for k, v in s.__dict__.items() if k != "unit"}, "unit_id": units[s.unit]} for s in stats
            ]
            if stat_rows:
                session.execute(insert(t.ActivationStats), stat_rows)
            self._finish(session, layer_row, RANGE_STAGE, settings)

    def put_curves(self, model_id: str, layer: str, curves: Iterable[CurveRecord], settings: Settings) -> None:
        """Replace the layer's tuning curves (every name given) and mark the tuning stage done, atomically.

        Scores derived from the curves (preferred orientation, selectivity…) go in with `put_scores`.
        """
        with Session(self.engine) as session, session.begin():
            layer_row = self._layer(session, model_id, layer)
            units = self._unit_ids(session, model_id, layer)
            rows = [{"unit_id": units[c.unit], "name": c.name, "axes": c.axes, "values": c.values} for c in curves]
            names = sorted({row["name"] for row in rows})
            session.execute(
                delete(t.UnitCurve).where(t.UnitCurve.unit_id.in_(units.values()), t.UnitCurve.name.in_(names))
            )
            if rows:
                session.execute(insert(t.UnitCurve), rows)
            self._finish(session, layer_row, TUNING_STAGE, settings)

    def put_connections(
        self,
        model_id: str,
        layer: str,
        previous: str,
        edges: Iterable[EdgeRecord],
        settings: Settings,
        weights: WeightsRecord | None = None,
    ) -> None:
        """Replace the edges from `previous` into `layer` and its full weights, mark the stage done, atomically."""
        with Session(self.engine) as session, session.begin():
            layer_row = self._layer(session, model_id, layer)
            dst = self._unit_ids(session, model_id, layer)
            src = self._unit_ids(session, model_id, previous)
            session.execute(delete(t.Connection).where(t.Connection.dst_unit_id.in_(dst.values())))
            session.execute(delete(t.WeightTensor).where(t.WeightTensor.layer_id == layer_row.id))
            rows = [
                {
                    "src_unit_id": src[e.src_unit],
                    "dst_unit_id": dst[e.dst_unit],
                    "weight": e.weight,
                    "kind": e.kind,
                    "kernel": e.kernel,
                    "in_rank": e.in_rank,
                    "out_rank": e.out_rank,
                }
                for e in edges
            ]
            if rows:
                session.execute(insert(t.Connection), rows)
            if weights is not None:
                self._put_weights(session, layer_row, self._layer(session, model_id, previous), weights)
            self._finish(session, layer_row, CONNECTIONS_STAGE, settings)

    def _put_weights(self, session: Session, layer: t.Layer, source: t.Layer, weights: WeightsRecord) -> None:
        shape = list(weights.tensor.shape)
        if weights.source != source.name or shape[:2] != [layer.units, source.units]:
            raise ValueError(
                f"weights {weights.source} → {layer.name} of shape {shape} do not join {source.name} "
                f"({source.units} units) to {layer.name} ({layer.units} units)"
            )
        data = tensors.encode(weights.tensor)
        sha = self._put_file(session, data, tensors.EXT, 0, 0)
        self._store_assets(session)
        session.add(
            t.WeightTensor(
                layer_id=layer.id,
                source_id=source.id,
                kind=weights.kind,
                shape=shape,
                dtype=tensors.DTYPE,
                format=tensors.FORMAT,
                asset_sha256=sha,
                max_abs=float(abs(weights.tensor.astype("float32")).max(initial=0.0)),
                svd={"singular_values": weights.svd.singular_values, "dst": weights.svd.dst, "src": weights.svd.src},
            )
        )

    def put_scores(
        self, model_id: str, layer: str, values: Mapping[str, Mapping[int, float]], settings: Settings
    ) -> None:
        """Replace the layer's scores named in `values` ({score: {unit: value}}), mark the stage done, atomically."""
        for name in values:
            get_score(name)  # unknown names fail before anything is written
        with Session(self.engine) as session, session.begin():
            layer_row = self._layer(session, model_id, layer)
            units = self._unit_ids(session, model_id, layer)
            session.execute(
                delete(t.UnitScore).where(t.UnitScore.unit_id.in_(units.values()), t.UnitScore.score.in_(list(values)))
            )
            rows = [
                {"unit_id": units[unit], "score": name, "value": float(value)}
                for name, by_unit in values.items()
                for unit, value in by_unit.items()
            ]
            if rows:
                session.execute(insert(t.UnitScore), rows)
            for name in values:  # one stage per score: scores measured by different stages never overwrite
                self._finish(session, layer_row, score_stage(name), settings)

    def put_score_evidence(self, model_id: str, layer: str, records: Iterable[EvidenceRecord]) -> None:
        """Replace the layer's family evidence (store.schema.ScoreEvidence) with `records`, atomically."""
        with Session(self.engine) as session, session.begin():
            units = self._unit_ids(session, model_id, layer)
            session.execute(delete(t.ScoreEvidence).where(t.ScoreEvidence.unit_id.in_(units.values())))
            rows = [{**vars(r), "unit_id": units[r.unit]} for r in records]
            for row in rows:
                del row["unit"]
            if rows:
                session.execute(insert(t.ScoreEvidence), rows)

    @staticmethod
    def _image_ids(session: Session, model_id: str) -> dict[str, int]:
        """{source path: row id} of the model's dataset images."""
        query = select(t.DatasetImage.source, t.DatasetImage.id).where(t.DatasetImage.model_id == model_id)
        return dict(session.execute(query).all())

    def _example_row(
        self, session: Session, units: Mapping[int, int], images: Mapping[str, int], r: ExampleRecord
    ) -> dict[str, object]:
        """The row of a dataset example (top or across the range), its crop stored as an asset."""
        return {
            "unit_id": units[r.unit],
            "rank": r.rank,
            "image_id": images[r.source],
            "activation": r.activation,
            "x": r.x,
            "y": r.y,
            "crop": list(r.crop),
            "asset_sha256": self._put_asset(session, r.image),
            "amap": r.amap,
        }

    def _put_asset(self, session: Session, image: EncodedImage) -> str:
        return self._put_file(session, image.data, image.ext, image.width, image.height)

    def _put_file(self, session: Session, data: bytes, ext: str, width: int, height: int) -> str:
        """Write the file (once per content) and queue its row for `_store_assets`, which must run before any row
        that references it is written (the foreign keys are enforced)."""
        sha = hashlib.sha256(data).hexdigest()
        seen: set[str] = session.info.setdefault("assets", set())  # many rows share one crop
        if sha in seen:
            return sha
        path = asset_path(self.location.assets, sha, ext)
        if not path.exists():
            write_atomically(path, data)
        seen.add(sha)
        pending: dict[str, dict[str, object]] = session.info.setdefault("pending_assets", {})
        pending[sha] = {"sha256": sha, "ext": ext, "width": width, "height": height, "size_bytes": len(data)}
        return sha

    def _store_assets(self, session: Session) -> None:
        """Insert the rows of the files queued in this session (those the store lacks), in one statement: an ORM
        merge per file (a SELECT, then an INSERT) took a tenth of the demo's build."""
        pending: dict[str, dict[str, object]] = session.info.pop("pending_assets", {})
        if pending:
            dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
            session.connection().execute(dialect.insert(t.Asset).on_conflict_do_nothing(), list(pending.values()))

    @staticmethod
    def _finish(session: Session, layer: t.Layer, stage: str, settings: Settings) -> None:
        session.merge(t.Stage(layer_id=layer.id, stage=stage, settings=settings))

    @staticmethod
    def _layer(session: Session, model_id: str, name: str, missing_ok: bool = False) -> t.Layer:
        return layer_row(session, model_id, name, missing_ok)

    def _unit_ids(self, session: Session, model_id: str, layer: str) -> dict[int, int]:
        row = self._layer(session, model_id, layer)
        return dict(session.execute(select(t.Unit.unit, t.Unit.id).where(t.Unit.layer_id == row.id)).all())


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either no file or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
