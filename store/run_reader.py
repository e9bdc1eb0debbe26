"""What a precompute reads back from the store it writes: the settings each stage finished with (so a rerun knows
what is left to do) and the stored results later stages draw from (cards, figures, findings, tuning evidence).

`StoreWriter` only writes; it hands this reader, over the same database, to the stages as `writer.reader`. The app
reads finished stores through `store.reader.StoreReader` instead, opened read-only.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from store import schema as t
from store.experiments_read import experiments_settings
from store.findings_read import findings_settings
from store.kinds import CHANNEL, VisKey
from store.records import AssetRef, CardSources, Settings, UnitDetail
from store.unit_read import read_unit


def layer_row(session: Session, model_id: str, name: str, missing_ok: bool = False) -> t.Layer:
    """The stored layer's row; a KeyError naming the stored layers when there is none (unless `missing_ok`)."""
    row = session.scalar(select(t.Layer).where(t.Layer.model_id == model_id, t.Layer.name == name))
    if row is None and not missing_ok:
        known = session.scalars(select(t.Layer.name).where(t.Layer.model_id == model_id)).all()
        raise KeyError(f"model {model_id!r} has no stored layer {name!r}; stored layers: {', '.join(known)}")
    return row  # type: ignore[return-value]


class RunReader:
    """Reads of a store while a precompute writes it, each a fresh query (nothing cached: the run changes it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def units_needing_feature_vis(self, model_id: str, layer: str, key: VisKey, settings: Settings) -> list[int]:
        """Units of the layer with no image under `key` made with exactly these settings."""
        with Session(self.engine) as session:
            row = layer_row(session, model_id, layer)
            query = (
                select(t.Unit.unit, t.FeatureVis.settings)
                .outerjoin(t.FeatureVis, (t.FeatureVis.unit_id == t.Unit.id) & (t.FeatureVis.key == str(key)))
                .where(t.Unit.layer_id == row.id)
                .order_by(t.Unit.unit)
            )
            return [unit for unit, stored in session.execute(query) if stored != settings]

    def stage_settings(self, model_id: str, layer: str, stage: str) -> Settings | None:
        """The settings `stage` finished with for the layer, or None when it has not finished."""
        with Session(self.engine) as session:
            row = session.get(t.Stage, (layer_row(session, model_id, layer).id, stage))
            return None if row is None else row.settings

    def card_sources(self, model_id: str, layer: str, examples: int) -> dict[int, CardSources]:
        """Each unit's label, channel visualization and first `examples` top examples: what its card shows."""
        with Session(self.engine) as session:
            row = layer_row(session, model_id, layer)
            found = {
                u.unit: CardSources(u.label) for u in session.scalars(select(t.Unit).where(t.Unit.layer_id == row.id))
            }
            vis = (
                select(t.Unit.unit, t.Asset.sha256, t.Asset.ext)
                .join(t.FeatureVis, t.FeatureVis.unit_id == t.Unit.id)
                .join(t.Asset, t.Asset.sha256 == t.FeatureVis.asset_sha256)
                .where(t.Unit.layer_id == row.id, t.FeatureVis.key == str(VisKey(CHANNEL)))
            )
            for unit, sha, ext in session.execute(vis):
                found[unit].vis = AssetRef(sha, ext)
            tops = (
                select(t.Unit.unit, t.Asset.sha256, t.Asset.ext)
                .join(t.DatasetExample, t.DatasetExample.unit_id == t.Unit.id)
                .join(t.Asset, t.Asset.sha256 == t.DatasetExample.asset_sha256)
                .where(t.Unit.layer_id == row.id, t.DatasetExample.rank < examples)
                .order_by(t.Unit.unit, t.DatasetExample.rank)
            )
            for unit, sha, ext in session.execute(tops):
                found[unit].examples.append(AssetRef(sha, ext))
            return found

    def layer_names(self, model_id: str) -> list[str]:
        """The model's stored layers, in forward order."""
        query = select(t.Layer.name).where(t.Layer.model_id == model_id).order_by(t.Layer.position)
        with Session(self.engine) as session:
            return list(session.scalars(query))

    def model_stages(self, model_id: str) -> dict[tuple[str, str], Settings]:
        """The settings each finished stage of each layer of the model ran with, by (layer, stage)."""
        query = select(t.Layer.name, t.Stage.stage, t.Stage.settings).join(t.Layer).where(t.Layer.model_id == model_id)
        with Session(self.engine) as session:
            return {(layer, stage): settings for layer, stage, settings in session.execute(query)}

    def unit_details(self, model_id: str, layer: str) -> dict[int, UnitDetail]:
        """Everything stored about each unit of the layer, as its page reads it (what its figures are drawn from)."""
        numbers = select(t.Unit.unit).join(t.Layer).where(t.Layer.model_id == model_id, t.Layer.name == layer)
        with self.engine.connect() as connection:
            found = {u: read_unit(connection, model_id, layer, u, figures=False) for u in connection.scalars(numbers)}
        return {unit: detail for unit, detail in found.items() if detail is not None}

    def findings_settings(self, model_id: str) -> Settings | None:
        """The settings the model's stored findings were measured with (None: none stored)."""
        with self.engine.connect() as connection:
            return findings_settings(connection, model_id)

    def experiments_settings(self, model_id: str) -> Settings | None:
        """The settings the model's stored experiments ran with (None: none stored)."""
        with self.engine.connect() as connection:
            return experiments_settings(connection, model_id)

    def top_examples(self, model_id: str, layer: str) -> dict[int, list[tuple[float, str | None]]]:
        """Each unit's stored top dataset examples as (activation, image label), best first."""
        query = (
            select(t.Unit.unit, t.DatasetExample.activation, t.DatasetImage.label)
            .join(t.Unit, t.Unit.id == t.DatasetExample.unit_id)
            .join(t.Layer, t.Layer.id == t.Unit.layer_id)
            .join(t.DatasetImage, t.DatasetImage.id == t.DatasetExample.image_id)
            .where(t.Layer.model_id == model_id, t.Layer.name == layer)
            .order_by(t.Unit.unit, t.DatasetExample.rank)
        )
        found: dict[int, list[tuple[float, str | None]]] = defaultdict(list)
        with Session(self.engine) as session:
            for unit, activation, label in session.execute(query):
                found[unit].append((activation, label))
        return dict(found)

    def image_labels(self, model_id: str) -> set[str | None]:
        """The distinct labels of the model's dataset images."""
        query = select(t.DatasetImage.label).where(t.DatasetImage.model_id == model_id).distinct()
        with Session(self.engine) as session:
            return set(session.scalars(query))
