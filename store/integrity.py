"""Integrity check of a store: the database is sound, every unit is present once, every stage is complete.

It reads the store read-only and never writes a file into it (nor beside its database).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store import schema as t
from store.db import DatabaseError, damaged, integrity_problems, open_read_only
from store.kinds import CHANNEL
from store.location import StoreLike, as_location
from store.paths import asset_path
from store.records import (
    CONNECTIONS_STAGE,
    EXAMPLES_STAGE,
    FEATURE_VIS_STAGE,
    RANGE_STAGE,
    STAGE_KEYS,
    STAGE_PARTIAL,
    TUNING_STAGE,
)

SHOWN_PER_KIND = 5  # problems of one kind listed by summary(); a damaged store can have thousands


@dataclass
class Report:
    """Problems make a store unusable; notes (such as orphan files left by a killed run) do not."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)  # the kind of each problem, for summary()

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def problem(self, kind: str, message: str) -> None:
        """Record a problem of `kind` (e.g. "asset file missing")."""
        self.problems.append(message)
        self.kinds.append(kind)

    def summary(self, shown: int = SHOWN_PER_KIND) -> list[str]:
        """The problems to print: at most `shown` of each kind, then how many more of that kind there are."""
        by_kind: dict[str, list[str]] = {}
        for kind, message in zip(self.kinds, self.problems, strict=True):
            by_kind.setdefault(kind, []).append(message)
        lines = []
        for kind, messages in by_kind.items():
            lines += messages[:shown]
            if len(messages) > shown:
                lines.append(f"… and {len(messages) - shown} more of this kind ({kind})")
        return lines


def check_store(store: StoreLike, *, verify_hashes: bool = False) -> Report:
    """Check the store (a StoreLocation or a store folder); `verify_hashes` also re-hashes every asset file."""
    location = as_location(store)
    report = Report()
    engine = open_read_only(location.db_url)
    try:
        for problem in integrity_problems(engine):
            report.problem("damaged database", problem)
        if report.ok:  # queries over damaged pages fail or mislead; the damage is the finding
            _check_contents(engine, location.assets, report, verify_hashes)
    except DatabaseError as error:
        report.problem("damaged database", str(damaged(location.db_url, error)))
    finally:
        engine.dispose()
    return report


def _check_contents(engine: Engine, assets: Path, report: Report, verify_hashes: bool) -> None:
    with Session(engine) as session:
        for layer in session.scalars(select(t.Layer).order_by(t.Layer.model_id, t.Layer.position)):
            _check_layer(session, layer, report)
        _check_assets(session, assets, report, verify_hashes)
        for name, table in (
            ("models", t.Model),
            ("layers", t.Layer),
            ("units", t.Unit),
            ("feature_vis", t.FeatureVis),
            ("dataset_examples", t.DatasetExample),
            ("connections", t.Connection),
            ("weight_tensors", t.WeightTensor),
            ("unit_scores", t.UnitScore),
            ("unit_curves", t.UnitCurve),
            ("range_examples", t.RangeExample),
            ("activation_stats", t.ActivationStats),
            ("assets", t.Asset),
        ):
            report.counts[name] = session.scalar(select(func.count()).select_from(table)) or 0


def _check_feature_vis(session: Session, layer: t.Layer, settings: dict, report: Report) -> None:
    """Every unit holds each key the finished stage lists; the listed units hold each partial key."""
    where = f"{layer.model_id}/{layer.name}"
    # A stage finished before other kinds existed lists no keys: it held channel images only.
    wanted: dict[str, list[int] | None] = dict.fromkeys(settings.get(STAGE_KEYS) or [CHANNEL])
    wanted.update(settings.get(STAGE_PARTIAL) or {})
    held = session.execute(
        select(t.FeatureVis.key, t.Unit.unit)
        .join(t.Unit, t.Unit.id == t.FeatureVis.unit_id)
        .where(t.Unit.layer_id == layer.id, t.FeatureVis.key.in_(list(wanted)))
    ).all()
    units_by_key: dict[str, set[int]] = {}
    for key, unit in held:
        units_by_key.setdefault(key, set()).add(unit)
    for key, units in wanted.items():
        expected = set(range(layer.units)) if units is None else set(units)
        have = units_by_key.get(key, set()) & expected
        if have != expected:
            report.problem(
                "feature_vis incomplete",
                f"{where}: feature_vis finished but {len(have)}/{len(expected)} units have a {key} image",
            )


def _check_layer(session: Session, layer: t.Layer, report: Report) -> None:
    where = f"{layer.model_id}/{layer.name}"
    units = list(session.scalars(select(t.Unit.unit).where(t.Unit.layer_id == layer.id).order_by(t.Unit.unit)))
    if units != list(range(layer.units)):
        report.problem("units", f"{where}: units are not exactly 0..{layer.units - 1} once each")
    stage_settings = dict(
        session.execute(select(t.Stage.stage, t.Stage.settings).where(t.Stage.layer_id == layer.id)).all()
    )
    stages = set(stage_settings)
    unit_ids = select(t.Unit.id).where(t.Unit.layer_id == layer.id)
    if FEATURE_VIS_STAGE in stages:
        _check_feature_vis(session, layer, stage_settings[FEATURE_VIS_STAGE] or {}, report)
    if EXAMPLES_STAGE in stages:
        per_unit = session.execute(
            select(t.DatasetExample.unit_id, func.count(), func.max(t.DatasetExample.rank))
            .where(t.DatasetExample.unit_id.in_(unit_ids))
            .group_by(t.DatasetExample.unit_id)
        ).all()
        if len(per_unit) != layer.units or any(count != top + 1 for _, count, top in per_unit):
            report.problem("dataset examples", f"{where}: dataset examples missing or ranks not contiguous")
    if RANGE_STAGE in stages:
        with_stats = session.scalar(
            select(func.count()).select_from(t.ActivationStats).where(t.ActivationStats.unit_id.in_(unit_ids))
        )
        if with_stats != layer.units:
            report.problem(
                "activation range",
                f"{where}: range examples finished but {with_stats}/{layer.units} units have statistics",
            )
    curves = (stage_settings.get(TUNING_STAGE) or {}).get("curves") if TUNING_STAGE in stages else None
    for name in curves or []:
        have = session.scalar(
            select(func.count())
            .select_from(t.UnitCurve)
            .where(t.UnitCurve.unit_id.in_(unit_ids), t.UnitCurve.name == name)
        )
        if have != layer.units:
            report.problem(
                "tuning curves", f"{where}: tuning finished but {have}/{layer.units} units have a {name} curve"
            )
    if CONNECTIONS_STAGE in stages and layer.previous is None:
        report.problem("connections", f"{where}: connections finished but the layer has no previous layer")
    elif (stage_settings.get(CONNECTIONS_STAGE) or {}).get("tensor") and session.get(t.WeightTensor, layer.id) is None:
        report.problem("weight tensor", f"{where}: connections finished but its weight tensor is not stored")
    missing = (
        {EXAMPLES_STAGE, CONNECTIONS_STAGE, FEATURE_VIS_STAGE}
        - stages
        - ({CONNECTIONS_STAGE} if not layer.previous else set())
    )
    if missing:
        report.notes.append(f"{where}: not computed yet: {', '.join(sorted(missing))}")


def _check_assets(session: Session, assets: Path, report: Report, verify_hashes: bool) -> None:
    if not assets.is_dir():
        report.problem("asset folder missing", f"asset folder missing: {assets} (copy the store's assets/ with it)")
        return
    referenced: set[Path] = set()
    for sha, ext in session.execute(select(t.Asset.sha256, t.Asset.ext)):
        path = asset_path(assets, sha, ext)
        referenced.add(path)
        if not path.is_file():
            report.problem("asset file missing", f"asset file missing: {path}")
        elif verify_hashes and hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            report.problem("asset file corrupt", f"asset file corrupt (hash mismatch): {path}")
    for table, column in (
        (t.FeatureVis, t.FeatureVis.asset_sha256),
        (t.DatasetExample, t.DatasetExample.asset_sha256),
        (t.WeightTensor, t.WeightTensor.asset_sha256),
        (t.RangeExample, t.RangeExample.asset_sha256),
        (t.Unit, t.Unit.card_sha256),  # null: no card drawn
    ):
        # `NULL NOT IN (empty set)` is true in SQL, so nulls are left out explicitly (a store with no asset yet).
        unknown = column.is_not(None) & column.not_in(select(t.Asset.sha256))
        dangling = session.scalar(select(func.count()).select_from(table).where(unknown))
        if dangling:
            report.problem("dangling rows", f"{table.__tablename__}: {dangling} rows reference unknown assets")
    on_disk = {p for p in assets.glob("*/*") if p.is_file()}
    orphans = on_disk - referenced
    if orphans:
        report.notes.append(f"{len(orphans)} asset files no row references (left by an interrupted run; harmless)")
