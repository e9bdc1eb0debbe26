"""StoreReader: models and layers in forward order, unit grids and details, and safe asset lookup."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from PIL import Image

from store.db import format_version
from store.kinds import VisKey
from store.location import StoreLocation
from store.reader import StoreReader
from store.records import (
    DatasetImageRecord,
    EdgeRecord,
    EncodedImage,
    ExampleRecord,
    FeatureVisRecord,
    LayerRecord,
    ModelRecord,
)
from store.writer import StoreWriter
from tests import postgres

TOY = "toy-net"  # the model tests/conftest.py writes into `toy_store`: conv1 (4 units) → block1 (6) → fc (3)


def _png(shade: int) -> EncodedImage:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, shade, 0)).save(buffer, format="PNG")
    return EncodedImage(buffer.getvalue(), "png", 4, 4)


@pytest.fixture(scope="module", params=postgres.BACKENDS)
def ranked_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StoreLocation]:
    """An empty store on each backend, for `ranked`."""
    with postgres.store_location(request.param, tmp_path_factory.mktemp("ranked")) as location:
        yield location


@pytest.fixture(scope="module")
def ranked(ranked_location: StoreLocation) -> StoreReader:
    """A store whose examples and edges are written out of order, some edges ranked on one side only."""
    root = ranked_location
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("m", "M", "toy", "c" * 64, {}, []))
    writer.put_layers(
        "m", [LayerRecord("a", 0, "conv", 3, 2, 2, 3, 1.0, None), LayerRecord("b", 1, "conv", 2, 1, 1, 5, 2.0, "a")]
    )
    writer.put_dataset_images("m", [DatasetImageRecord(f"x/{i}.png", "x", 4, 4) for i in range(3)], "/d")
    writer.put_feature_vis("m", "a", [FeatureVisRecord(u, VisKey("channel"), "", _png(u), 1.0, {}) for u in range(3)])
    writer.put_feature_vis(
        "m",
        "b",
        [
            FeatureVisRecord(0, VisKey("diversity", 1), "d", _png(23), 2.5, {"k": 5}),
            FeatureVisRecord(0, VisKey("neuron"), "n", _png(20), 2.0, {"k": 1}),
            FeatureVisRecord(0, VisKey("diversity", 0), "d", _png(22), 2.4, {"k": 5}),
            FeatureVisRecord(0, VisKey("negative"), "-c", _png(21), 0.5, {"k": 3}),
            FeatureVisRecord(0, VisKey("channel"), "c", _png(10), 3.0, {"k": 2}),
        ],
    )
    writer.put_examples(
        "m",
        "b",
        [
            ExampleRecord(0, rank, f"x/{rank}.png", 9.0 - rank, 0, 0, (0, 0, 4, 4), _png(100 + rank))
            for rank in (2, 0, 1)
        ],
        {},
    )
    writer.put_connections(
        "m",
        "b",
        "a",
        [
            EdgeRecord(0, 0, 0.1, "expanded", [[0.1]], in_rank=1, out_rank=None),
            EdgeRecord(1, 0, 0.2, "expanded", [[0.2]], in_rank=0, out_rank=1),
            EdgeRecord(2, 0, 0.3, "expanded", [[0.3]], in_rank=None, out_rank=0),
            EdgeRecord(1, 1, 0.4, "expanded", [[0.4]], in_rank=0, out_rank=0),
        ],
        {},
    )
    writer.engine.dispose()
    return StoreReader(root)


@pytest.fixture(scope="module")
def toy(toy_location: StoreLocation) -> StoreReader:
    return StoreReader(toy_location)


def test_reader_reports_the_format_version(toy: StoreReader) -> None:
    assert toy.format_version == format_version()


def test_model_ids_lists_stored_models(toy: StoreReader) -> None:
    assert toy.model_ids() == [TOY]
    assert [m.id for m in toy.models()] == [TOY]


def test_model_carries_its_metadata(toy: StoreReader) -> None:
    model = toy.model(TOY)
    assert model is not None
    assert (model.title, model.weights_hash, model.class_labels) == ("Toy net", "0" * 64, ["red", "green", "blue"])
    assert model.images_root == "/data/toy"


def test_layers_come_in_forward_order_with_previous_and_next(toy: StoreReader) -> None:
    model = toy.model(TOY)
    assert model is not None
    assert [(la.name, la.previous, la.next) for la in model.layers] == [
        ("conv1", None, "block1"),
        ("block1", "conv1", "fc"),
        ("fc", "block1", None),
    ]
    assert [la.units for la in model.layers] == [4, 6, 3]


def test_layers_list_their_finished_stages(toy: StoreReader) -> None:
    model = toy.model(TOY)
    assert model is not None
    stages = {la.name: la.stages for la in model.layers}
    assert all("examples" in finished for finished in stages.values())
    assert ["connections" in stages[name] for name in ("conv1", "block1", "fc")] == [False, True, True]
    assert all(list(finished) == sorted(finished) for finished in stages.values())


def test_unknown_model_is_none(toy: StoreReader) -> None:
    assert toy.model("nope") is None


def test_units_come_in_index_order_with_thumbnails(toy: StoreReader) -> None:
    units = toy.units(TOY, "block1")
    assert [u.unit for u in units] == list(range(6))
    assert all(u.thumbnail is not None and u.thumbnail.ext == "png" for u in units)
    assert len({u.thumbnail.sha256 for u in units if u.thumbnail}) == 6


def test_units_of_unknown_layer_are_empty(toy: StoreReader) -> None:
    assert toy.units(TOY, "nope") == []
    assert toy.units("nope", "block1") == []


def test_channel_images_are_each_units_thumbnail_with_its_activation(toy: StoreReader) -> None:
    images = toy.channel_images(TOY, "block1")
    assert list(images) == list(range(6))
    assert [v.asset for v in images.values()] == [u.thumbnail for u in toy.units(TOY, "block1")]
    assert [v.activation for v in images.values()] == [5.0 + u for u in range(6)]  # the toy store's peaks
    assert toy.channel_images(TOY, "nope") == {}


def test_units_without_channel_vis_have_no_channel_image(ranked: StoreReader) -> None:
    assert list(ranked.channel_images("m", "b")) == [0]


def test_unit_without_channel_vis_has_no_thumbnail(ranked: StoreReader) -> None:
    assert [u.thumbnail is None for u in ranked.units("m", "b")] == [False, True]


@pytest.mark.parametrize(("model", "layer", "unit"), [("nope", "fc", 0), (TOY, "nope", 0), (TOY, "fc", 3)])
def test_unknown_model_layer_or_unit_detail_is_none(toy: StoreReader, model: str, layer: str, unit: int) -> None:
    assert toy.unit(model, layer, unit) is None


def test_unit_detail_has_its_feature_vis_with_settings_channel_first_sets_in_order(ranked: StoreReader) -> None:
    detail = ranked.unit("m", "b", 0)
    assert detail is not None
    assert [(str(f.key), f.activation, f.settings) for f in detail.feature_vis] == [
        ("channel", 3.0, {"k": 2}),
        ("neuron", 2.0, {"k": 1}),
        ("negative", 0.5, {"k": 3}),
        ("diversity:0", 2.4, {"k": 5}),
        ("diversity:1", 2.5, {"k": 5}),
    ]
    assert detail.summary.thumbnail == detail.feature_vis[0].asset


def test_dataset_examples_come_highest_activation_first(ranked: StoreReader) -> None:
    detail = ranked.unit("m", "b", 0)
    assert detail is not None
    assert [(e.rank, e.activation, e.source) for e in detail.dataset_examples] == [
        (0, 9.0, "x/0.png"),
        (1, 8.0, "x/1.png"),
        (2, 7.0, "x/2.png"),
    ]
    assert detail.dataset_examples[0].label == "x"
    assert detail.dataset_examples[0].crop == [0, 0, 4, 4]


def test_inputs_come_by_in_rank_and_skip_edges_without_one(ranked: StoreReader) -> None:
    detail = ranked.unit("m", "b", 0)
    assert detail is not None
    assert [(e.layer, e.unit, e.weight, e.kernel) for e in detail.inputs] == [
        ("a", 1, 0.2, [[0.2]]),
        ("a", 0, 0.1, [[0.1]]),
    ]


def test_outputs_come_by_out_rank_and_skip_edges_without_one(ranked: StoreReader) -> None:
    outputs = {u: ranked.unit("m", "a", u).outputs for u in range(3)}  # type: ignore[union-attr]
    assert [(e.layer, e.unit) for e in outputs[1]] == [("b", 1), ("b", 0)]
    assert [(e.layer, e.unit) for e in outputs[2]] == [("b", 0)]
    assert outputs[0] == []


def test_edges_carry_the_other_units_thumbnail(ranked: StoreReader) -> None:
    detail = ranked.unit("m", "b", 0)
    assert detail is not None
    a_thumbs = {u.unit: u.thumbnail for u in ranked.units("m", "a")}
    assert [e.thumbnail for e in detail.inputs] == [a_thumbs[1], a_thumbs[0]]


def test_unit_of_first_layer_has_no_inputs(ranked: StoreReader) -> None:
    detail = ranked.unit("m", "a", 0)
    assert detail is not None
    assert detail.inputs == []


def test_asset_file_finds_a_stored_asset(toy: StoreReader) -> None:
    thumbnail = toy.units(TOY, "fc")[0].thumbnail
    assert thumbnail is not None
    path = toy.asset_file(thumbnail.sha256, thumbnail.ext)
    assert path is not None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == thumbnail.sha256


@pytest.mark.parametrize(
    ("sha256", "ext"),
    [("../../etc/passwd", "png"), ("..", ".."), ("a" * 64, "../../etc/passwd"), ("A" * 64, "png"), ("a" * 64, "txt")],
)
def test_asset_file_rejects_malformed_keys(toy: StoreReader, sha256: str, ext: str) -> None:
    assert toy.asset_file(sha256, ext) is None


def test_asset_file_of_unknown_key_is_none(toy: StoreReader) -> None:
    assert toy.asset_file(hashlib.sha256(b"never stored").hexdigest(), "png") is None


def test_asset_file_of_stored_hash_with_other_extension_is_none(toy: StoreReader) -> None:
    thumbnail = toy.units(TOY, "fc")[0].thumbnail
    assert thumbnail is not None
    assert toy.asset_file(thumbnail.sha256, "webp") is None


def test_unit_holds_its_examples_across_the_range_statistics_and_tuning_curves(toy_location: StoreLocation) -> None:
    detail = StoreReader(toy_location).unit("toy-net", "block1", 2)
    kinds = [(e.kind, e.rank, e.quantile) for e in detail.range_examples]
    assert kinds == [("bottom", 0, None), ("bottom", 1, None), ("quantile", 0, 0.9), ("quantile", 1, 0.5)]
    assert [e.activation for e in detail.range_examples] == pytest.approx([-0.5, -1.5, 2.7, 1.5])
    assert detail.range_examples[2].amap == [[1.35, 2.7], [0.0, 0.675]]
    assert detail.dataset_examples[0].amap is None and len(detail.dataset_examples) == 3  # top ones apart
    assert detail.stats is not None and detail.stats.unit == 2 and detail.stats.max == 5.0
    assert detail.stats.quantiles == {"0.9": pytest.approx(2.7), "0.5": 1.5}
    assert detail.stats.histogram["counts"] == [2, 4, 3]
    assert [c.name for c in detail.curves] == ["curvature", "orientation"]
    orientation = detail.curves[1]
    assert orientation.axes["orientation"][:3] == [0.0, 30.0, 60.0]
    assert max(range(12), key=lambda i: orientation.values[i]) == 2  # unit 2 peaks at 60°


def test_units_without_measurements_have_none(toy_location: StoreLocation) -> None:
    detail = StoreReader(toy_location).unit("toy-net", "conv1", 0)
    assert detail.range_examples == [] and detail.stats is None and detail.curves == []


def test_examples_of_gives_the_chosen_units_first_top_example_crops_in_rank_order(ranked: StoreReader) -> None:
    chosen = {"a": [0, 2], "b": [0, 1]}
    found = ranked.examples_of("m", chosen, 2)
    for layer, units in chosen.items():
        for unit in units:
            detail = ranked.unit("m", layer, unit)
            assert detail is not None
            expected = [e.asset.sha256 for e in sorted(detail.dataset_examples, key=lambda e: e.rank)[:2]]
            assert [crop.sha256 for crop in found[layer].get(unit, [])] == expected, (layer, unit)
    assert len(found["b"][0]) == 2 and found["a"] == {}  # b:0's three examples, written out of order; a holds none
    assert ranked.examples_of("m", {"b": [1]}, 2) == {"b": {}} and ranked.examples_of("m", {"b": [0]}, 0) == {"b": {}}
