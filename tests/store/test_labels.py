"""Hand-made unit labels in the store: written with their source, replaced per source, read back with it;
branch layers under their parent layer; model warnings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store.location import StoreLocation
from store.reader import StoreReader
from store.records import LabelSource, LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests import postgres

SOURCE = LabelSource("hand", "Hand labels", "Ada Lovelace, Alan Turing", 2020, "https://example.org/", "CC-BY 4.0")
MIXED = {i: "mixed_1x1" if i < 2 else "mixed_5x5" for i in range(5)}  # units 2–4 are the 5×5 branch's 0–2
LAYERS = [
    LayerRecord("stem", 0, "conv", 3, 4, 4, 3, 1.0, None),
    LayerRecord("mixed_1x1", 1, "conv", 2, 4, 4, 3, 1.0, "stem", parent="mixed"),
    LayerRecord("mixed_5x5", 2, "conv", 3, 4, 4, 7, 1.0, "stem", parent="mixed"),
    LayerRecord("mixed", 3, "conv", 5, 4, 4, 7, 1.0, "stem", MIXED),
    LayerRecord("fc", 4, "linear", 2, None, None, 8, 4.0, "mixed"),
]


@pytest.fixture(params=postgres.BACKENDS)
def writer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreWriter]:
    """A store holding `net` on each backend, whose `mixed` layer concatenates two branch layers stored too."""
    with postgres.store_location(request.param, tmp_path) as location:
        writer = StoreWriter(location)
        writer.put_model(ModelRecord("net", "Net", "toy", "a" * 64, {}, [], warning="Not the net you think."))
        writer.put_layers("net", LAYERS)
        yield writer
        writer.close()


def _labels(store: StoreLocation, layer: str) -> dict[int, tuple[str, str]]:
    return {
        u.unit: (u.label, u.label_source.key)
        for u in StoreReader(store).units("net", layer)
        if u.label is not None and u.label_source is not None
    }


def test_labels_are_read_back_with_their_source(writer: StoreWriter) -> None:
    assert writer.put_unit_labels("net", SOURCE, {"stem": {0: "Edges", 2: "Colour"}}) == {"stem": 2}
    assert _labels(writer.location, "stem") == {0: ("Edges", "hand"), 2: ("Colour", "hand")}
    detail = StoreReader(writer.location).unit("net", "stem", 2)
    assert detail is not None and detail.summary.label_source == SOURCE


def test_a_mixed_layers_labels_reach_the_same_units_of_its_branch_layers(writer: StoreWriter) -> None:
    writer.put_unit_labels("net", SOURCE, {"mixed": {1: "Left", 3: "Dog heads"}})
    assert _labels(writer.location, "mixed") == {1: ("Left", "hand"), 3: ("Dog heads", "hand")}
    assert _labels(writer.location, "mixed_1x1") == {1: ("Left", "hand")}
    assert _labels(writer.location, "mixed_5x5") == {1: ("Dog heads", "hand")}


def test_importing_a_source_again_replaces_its_labels(writer: StoreWriter) -> None:
    writer.put_unit_labels("net", SOURCE, {"stem": {0: "Edges", 1: "Lines"}})
    writer.put_unit_labels("net", SOURCE, {"stem": {1: "Curves"}, "not-stored": {0: "skipped"}})
    assert _labels(writer.location, "stem") == {1: ("Curves", "hand")}


def test_labels_past_the_layers_units_are_refused(writer: StoreWriter) -> None:
    with pytest.raises(ValueError, match=r"units \[3, 7\] of stem, which has units 0–2"):
        writer.put_unit_labels("net", SOURCE, {"stem": {7: "x", 3: "y"}})
    assert _labels(writer.location, "stem") == {}


def test_labels_of_a_model_not_in_the_store_are_refused(writer: StoreWriter) -> None:
    with pytest.raises(KeyError, match="no model 'other'; stored models: net"):
        writer.put_unit_labels("other", SOURCE, {"stem": {0: "x"}})


def test_branch_layers_know_their_parent_and_page_among_themselves(writer: StoreWriter) -> None:
    model = StoreReader(writer.location).model("net")
    assert model is not None
    layers = {layer.name: layer for layer in model.layers}
    assert layers["mixed_5x5"].parent == "mixed" and layers["mixed"].parent is None
    assert [layers[name].next for name in ("stem", "mixed_1x1", "mixed_5x5", "mixed", "fc")] == [
        "mixed",
        "mixed_5x5",
        None,
        "fc",
        None,
    ]


def test_the_models_warning_is_stored_and_read_back(writer: StoreWriter) -> None:
    model = StoreReader(writer.location).model("net")
    assert model is not None and model.warning == "Not the net you think."
