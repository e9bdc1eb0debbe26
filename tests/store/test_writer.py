"""StoreWriter: idempotent upserts, content-addressed atomic asset files, replaced stages with their settings."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from store.db import engine_url
from store.kinds import VisKey
from store.location import StoreLocation
from store.records import (
    DatasetImageRecord,
    EdgeRecord,
    EncodedImage,
    ExampleRecord,
    FeatureVisRecord,
    LayerRecord,
    ModelRecord,
)
from store.run_reader import RunReader
from store.writer import StoreWriter, write_atomically
from tests import postgres

MODEL = ModelRecord("net", "Net", "toy", "a" * 64, {"size": 8}, ["cat", "dog"])
CONV = LayerRecord("conv", 0, "conv", 3, 4, 4, 3, 1.0, None, branches={1: "left"})
FC = LayerRecord("fc", 1, "linear", 2, None, None, 8, 4.0, "conv")
SOURCES = ["cat/0.png", "dog/0.png"]


def _png(shade: int) -> EncodedImage:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (shade, 0, 0)).save(buffer, format="PNG")
    return EncodedImage(buffer.getvalue(), "png", 4, 4)


def _rows(store: StoreWriter | StoreLocation, statement: str) -> list[tuple]:
    """Query the store's database on a connection of its own, as a second reader would."""
    location = store.location if isinstance(store, StoreWriter) else store
    engine = create_engine(engine_url(location.db_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement))]
    finally:
        engine.dispose()


def _count(store: StoreWriter | StoreLocation, table: str) -> int:
    return _rows(store, f"SELECT count(*) FROM {table}")[0][0]


def _vis(unit: int, shade: int = 0, settings: dict | None = None, objective: str = "channel") -> FeatureVisRecord:
    key = VisKey.parse(objective)
    return FeatureVisRecord(unit, key, f"{objective}(conv:{unit})", _png(shade), 1.0, settings or {"steps": 8})


def _example(unit: int, rank: int) -> ExampleRecord:
    return ExampleRecord(unit, rank, SOURCES[rank % 2], 2.0 - rank, 1, 1, (0, 0, 4, 4), _png(100 + 10 * unit + rank))


@pytest.fixture(params=postgres.BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreLocation]:
    """An empty store on each backend: a SQLite store folder, and a fresh PostgreSQL schema."""
    with postgres.store_location(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def writer(location: StoreLocation) -> StoreWriter:
    """A store holding `net` with layers conv (3 units) and fc (2 units) and two dataset images."""
    writer = StoreWriter(location)
    writer.put_model(MODEL)
    writer.put_layers(MODEL.id, [CONV, FC])
    writer.put_dataset_images(MODEL.id, [DatasetImageRecord(s, s.split("/")[0], 4, 4) for s in SOURCES], "/data")
    return writer


def test_put_model_twice_is_idempotent(location: StoreLocation) -> None:
    writer = StoreWriter(location)
    writer.put_model(MODEL)
    writer.put_model(MODEL)
    assert _rows(location, "SELECT id, title FROM models") == [("net", "Net")]


def test_put_model_again_refreshes_its_description(writer: StoreWriter) -> None:
    writer.put_model(ModelRecord(**{**MODEL.__dict__, "description": "now described"}))
    assert _rows(writer, "SELECT description FROM models") == [("now described",)]


def test_put_model_again_keeps_the_images_folder_the_examples_stage_recorded(writer: StoreWriter) -> None:
    # A resumed precompute whose examples are done stores the model again but not its images.
    writer.put_model(MODEL)
    assert _rows(writer, "SELECT images_root FROM models") == [("/data",)]


def test_put_model_with_other_weights_under_same_id_raises_naming_the_model(writer: StoreWriter) -> None:
    with pytest.raises(ValueError, match="'net'"):
        writer.put_model(ModelRecord(**{**MODEL.__dict__, "weights_hash": "b" * 64}))
    assert _rows(writer, "SELECT weights_hash FROM models") == [("a" * 64,)]


def test_put_layers_creates_one_row_per_unit(writer: StoreWriter) -> None:
    rows = _rows(writer, 'SELECT l.name, u."index", u.branch FROM units u JOIN layers l ON l.id = u.layer_id')
    assert sorted(rows) == [("conv", 0, None), ("conv", 1, "left"), ("conv", 2, None), ("fc", 0, None), ("fc", 1, None)]


def test_put_layers_again_adds_no_units(writer: StoreWriter) -> None:
    writer.put_layers(MODEL.id, [CONV, FC])
    assert _count(writer, "layers") == 2
    assert _count(writer, "units") == 5


def test_put_layers_again_renames_branches_and_keeps_the_unit_rows(writer: StoreWriter) -> None:
    before = _rows(writer, "SELECT id FROM units ORDER BY id")
    renamed = LayerRecord(**{**CONV.__dict__, "branches": {0: "conv_1x1", 1: "conv_1x1", 2: "conv_5x5"}})
    writer.put_layers(MODEL.id, [renamed, FC])
    rows = _rows(writer, 'SELECT l.name, u."index", u.branch FROM units u JOIN layers l ON l.id = u.layer_id')
    assert sorted(rows) == [
        ("conv", 0, "conv_1x1"),
        ("conv", 1, "conv_1x1"),
        ("conv", 2, "conv_5x5"),
        ("fc", 0, None),
        ("fc", 1, None),
    ]
    assert _rows(writer, "SELECT id FROM units ORDER BY id") == before
    writer.put_layers(MODEL.id, [CONV])  # a branch no longer given is cleared
    assert _rows(writer, 'SELECT u."index", u.branch FROM units u WHERE u.layer_id = 1 ORDER BY 1') == [
        (0, None),
        (1, "left"),
        (2, None),
    ]


def test_put_layers_with_changed_unit_count_raises_and_changes_nothing(writer: StoreWriter) -> None:
    wider = LayerRecord("conv", 0, "conv", 4, 4, 4, 3, 1.0, None)
    extra = LayerRecord("head", 2, "linear", 2, None, None, 8, 4.0, "fc")
    with pytest.raises(ValueError, match="'conv' has 4 units, but the store holds 3"):
        writer.put_layers(MODEL.id, [extra, wider])
    assert _count(writer, "layers") == 2
    assert _count(writer, "units") == 5


def test_writing_to_unknown_layer_raises_key_error_listing_stored_layers(writer: StoreWriter) -> None:
    with pytest.raises(KeyError, match="'nope'.*conv, fc"):
        writer.put_feature_vis(MODEL.id, "nope", [_vis(0)])


def test_put_feature_vis_again_replaces_without_duplicates(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0, shade=1), _vis(1, shade=2)])
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0, shade=3, settings={"steps": 16})])
    query = 'SELECT u."index", CAST(f.settings AS TEXT) FROM feature_vis f JOIN units u ON u.id = f.unit_id'
    rows = _rows(writer, query)
    assert sorted(rows) == [(0, '{"steps": 16}'), (1, '{"steps": 8}')]


def test_put_feature_vis_keeps_other_objectives_of_the_unit(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0, shade=1), _vis(0, shade=2, objective="neuron")])
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0, shade=3)])
    assert sorted(_rows(writer, "SELECT objective FROM feature_vis")) == [("channel",), ("neuron",)]


def test_units_needing_feature_vis_are_all_units_of_a_fresh_layer(writer: StoreWriter) -> None:
    assert writer.reader.units_needing_feature_vis(MODEL.id, "conv", VisKey("channel"), {"steps": 8}) == [0, 1, 2]


def test_units_needing_feature_vis_skips_units_rendered_with_the_same_settings(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0), _vis(2)])
    assert writer.reader.units_needing_feature_vis(MODEL.id, "conv", VisKey("channel"), {"steps": 8}) == [1]


def test_units_needing_feature_vis_includes_units_rendered_with_other_settings(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(0), _vis(1, settings={"steps": 99})])
    assert writer.reader.units_needing_feature_vis(MODEL.id, "conv", VisKey("channel"), {"steps": 8}) == [1, 2]


def test_units_needing_feature_vis_ignores_other_objectives(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(u, objective="neuron") for u in range(3)])
    assert writer.reader.units_needing_feature_vis(MODEL.id, "conv", VisKey("channel"), {"steps": 8}) == [0, 1, 2]


def test_asset_file_is_named_by_the_sha256_of_its_bytes(writer: StoreWriter) -> None:
    image = _png(7)
    writer.put_feature_vis(MODEL.id, "conv", [FeatureVisRecord(0, VisKey("channel"), "", image, 1.0, {})])
    sha = hashlib.sha256(image.data).hexdigest()
    path = writer.location.assets / sha[:2] / f"{sha}.png"
    assert path.read_bytes() == image.data
    assert _rows(writer, "SELECT sha256, ext, width, height, size_bytes FROM assets") == [
        (sha, "png", 4, 4, len(image.data))
    ]


def test_same_bytes_are_stored_as_one_file_and_one_asset_row(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(u, shade=5) for u in range(3)])
    writer.put_feature_vis(MODEL.id, "fc", [_vis(u, shade=5) for u in range(2)])
    files = [p for p in writer.location.assets.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert _count(writer, "assets") == 1
    assert _count(writer, "feature_vis") == 5


def test_asset_writes_leave_no_temporary_files(writer: StoreWriter) -> None:
    writer.put_feature_vis(MODEL.id, "conv", [_vis(u, shade=u) for u in range(3)])
    writer.put_examples(MODEL.id, "conv", [_example(u, r) for u in range(3) for r in range(2)], {})
    assert list(writer.location.assets.rglob(".tmp-*")) == []


def test_failed_atomic_write_leaves_neither_the_file_nor_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "ab" / "file.png"
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert list(target.parent.iterdir()) == []


def test_atomic_write_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "file.png"
    write_atomically(target, b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["file.png"]


def test_put_dataset_images_again_adds_no_rows_and_records_the_folder(writer: StoreWriter) -> None:
    writer.put_dataset_images(MODEL.id, [DatasetImageRecord(SOURCES[0], "cat", 4, 4)], "/elsewhere")
    assert _count(writer, "dataset_images") == 2
    assert _rows(writer, "SELECT images_root FROM models") == [("/elsewhere",)]


def test_stage_settings_of_unfinished_stage_is_none(writer: StoreWriter) -> None:
    assert writer.reader.stage_settings(MODEL.id, "conv", "examples") is None


def test_finish_stage_records_its_settings(writer: StoreWriter) -> None:
    writer.finish_stage(MODEL.id, "conv", "feature_vis", {"steps": 8})
    writer.finish_stage(MODEL.id, "conv", "feature_vis", {"steps": 16})
    assert writer.reader.stage_settings(MODEL.id, "conv", "feature_vis") == {"steps": 16}


def test_put_examples_records_the_stage_settings(writer: StoreWriter) -> None:
    writer.put_examples(MODEL.id, "conv", [_example(u, 0) for u in range(3)], {"top_k": 1})
    assert writer.reader.stage_settings(MODEL.id, "conv", "examples") == {"top_k": 1}
    assert writer.reader.stage_settings(MODEL.id, "fc", "examples") is None


def test_put_examples_again_replaces_the_layers_examples(writer: StoreWriter) -> None:
    writer.put_examples(MODEL.id, "conv", [_example(u, r) for u in range(3) for r in range(2)], {"top_k": 2})
    writer.put_examples(MODEL.id, "fc", [_example(u, 0) for u in range(2)], {"top_k": 1})
    writer.put_examples(MODEL.id, "conv", [_example(u, 0) for u in range(3)], {"top_k": 1})
    rows = _rows(
        writer,
        "SELECT l.name, count(*) FROM dataset_examples e JOIN units u ON u.id = e.unit_id "
        "JOIN layers l ON l.id = u.layer_id GROUP BY l.name",
    )
    assert sorted(rows) == [("conv", 3), ("fc", 2)]
    assert writer.reader.stage_settings(MODEL.id, "conv", "examples") == {"top_k": 1}


def test_put_connections_records_the_stage_settings(writer: StoreWriter) -> None:
    edges = [EdgeRecord(s, d, 0.5, "expanded", [[1.0]], s, d) for d in range(2) for s in range(3)]
    writer.put_connections(MODEL.id, "fc", "conv", edges, {"top_edges": 3})
    assert writer.reader.stage_settings(MODEL.id, "fc", "connections") == {"top_edges": 3}
    assert _count(writer, "connections") == 6


def test_put_connections_again_replaces_the_layers_edges(writer: StoreWriter) -> None:
    writer.put_connections(MODEL.id, "fc", "conv", [EdgeRecord(s, 0, 1.0, "expanded", [], s, 0) for s in range(3)], {})
    writer.put_connections(MODEL.id, "fc", "conv", [EdgeRecord(2, 1, -1.0, "expanded", [], 0, None)], {"top_edges": 1})
    assert _rows(writer, "SELECT weight, in_rank, out_rank FROM connections") == [(-1.0, 0, None)]
    assert writer.reader.stage_settings(MODEL.id, "fc", "connections") == {"top_edges": 1}


def test_the_writer_only_writes_and_hands_what_a_run_reads_back_to_its_reader() -> None:
    public = {name for name in vars(StoreWriter) if not name.startswith("_")}
    assert public - {"close", "finish_stage"} == {name for name in public if name.startswith("put_")}, public
    assert {"stage_settings", "model_stages", "units_needing_feature_vis", "findings_settings"} <= set(vars(RunReader))


def test_the_reader_sees_each_write_at_once(writer: StoreWriter) -> None:
    assert writer.reader.model_stages(MODEL.id) == {}
    writer.finish_stage(MODEL.id, "fc", "connections", {"top_edges": 2})
    assert writer.reader.model_stages(MODEL.id) == {("fc", "connections"): {"top_edges": 2}}
    assert writer.reader.layer_names(MODEL.id) == ["conv", "fc"]
