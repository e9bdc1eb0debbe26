"""What store.measures reads of the toy store for checking tour claims: every unit of the layers asked about, their
top examples' labels counted, peaks, and tuning-curve peaks of the chosen units."""

from __future__ import annotations

from pathlib import Path

from store.measures import model_measures
from store.reader import StoreReader


def test_every_unit_of_an_asked_layer_is_measured_and_the_chosen_ones_curves_too(toy_store: Path) -> None:
    found = model_measures(StoreReader(toy_store), "toy-net", {"block1": {1}})
    assert sorted(found.units) == [("block1", u) for u in range(6)]  # ranks and branch shares need the whole layer
    one = found.units[("block1", 1)]
    assert (one.labels, one.examples, one.peak, one.scores) == ({"red": 2, "green": 1}, 3, 3.0, {"bw_ratio": 0.2})
    assert one.curve_peaks == {"orientation": 1.0, "curvature": 1.0} and found.units[("block1", 0)].curve_peaks == {}
    assert found.labels == ("blue", "green", "red") and found.layers == ("conv1", "block1", "fc")


def test_a_model_or_layer_the_store_lacks_is_measured_as_nothing(toy_store: Path) -> None:
    reader = StoreReader(toy_store)
    assert model_measures(reader, "other-net", {"fc": {0}}).layers == ()
    assert model_measures(reader, "toy-net", {"mixed9z": {0}}).units == {}
