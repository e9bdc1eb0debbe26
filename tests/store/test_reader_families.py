"""The reader's family queries: each layer's top units by a score in one query, chosen units' curves in one, and
their pictures of chosen kinds in one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.reader import StoreReader
from tests import postgres
from tests.app.stores import (
    ANGLES,
    NEURON_UNITS,
    ORIENTED,
    TRANSPARENCY,
    TRANSPARENT_UNITS,
    build_family_store,
    tuning,
)


@pytest.fixture(scope="module", params=postgres.BACKENDS)
def reader(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreReader]:
    """A reader over the two-model family store, on each backend (its JSON settings are read by each one's SQL)."""
    with postgres.store_location(request.param, tmp_path_factory.mktemp("family-store")) as location:
        yield StoreReader(build_family_store(location))


def test_units_scored_ranks_each_layer_highest_first_in_forward_order(reader: StoreReader) -> None:
    ranked = reader.units_scored("fam-a", "curve", 3)
    assert {layer: [u.unit for u in units] for layer, units in ranked.items()} == {
        "conv": [0, 1, 2],
        "mixed": [0, 1, 2],
    }
    assert list(ranked) == ["conv", "mixed"]
    unit = ranked["mixed"][1]
    assert unit.scores == {"curve": 0.85, "orientation": 20.0, "orientation_selectivity": ORIENTED}
    assert unit.thumbnail is not None


def test_units_scored_breaks_ties_by_unit_and_leaves_out_layers_without_the_score(reader: StoreReader) -> None:
    assert [u.unit for u in reader.units_scored("fam-a", "line", 5)["mixed"]] == [8, 9]
    assert reader.units_scored("fam-a", "colour", 5) == {}
    assert list(reader.units_scored("fam-a", "curve", 1, ["mixed", "fc"])) == ["mixed"]
    assert reader.units_scored("nope", "curve", 1) == {}


def test_curves_of_returns_the_named_curve_of_the_chosen_units_only(reader: StoreReader) -> None:
    found = reader.curves_of("fam-a", {"mixed": [0, 3, 7], "conv": [0]}, "orientation")
    assert set(found["mixed"]) == {0, 3} and found["conv"] == {}  # mixed:7 and conv have none stored
    assert found["mixed"][3].axes == {"orientation": ANGLES} and found["mixed"][3].values == pytest.approx(tuning(110))
    assert reader.curves_of("fam-a", {"mixed": [0]}, "curvature")["mixed"][0].axes["radius"] == [4.0]


def test_units_scored_brings_each_units_images_of_the_asked_kinds(reader: StoreReader) -> None:
    ranked = reader.units_scored("fam-a", "curve", 4, ["mixed"], pictures=["neuron"])["mixed"]
    assert {u.unit: set(u.pictures) for u in ranked} == {0: {"neuron"}, 1: set(), 2: set(), 3: {"neuron"}}
    assert ranked[0].pictures["neuron"].asset != ranked[0].thumbnail and ranked[0].scores["curve"] == 0.9
    assert all(not u.pictures for u in reader.units_scored("fam-a", "curve", 4, ["mixed"])["mixed"])


def test_pictures_of_returns_the_chosen_units_images_of_the_chosen_kinds_only(reader: StoreReader) -> None:
    found = reader.pictures_of("fam-a", {"mixed": [0, 1, 3], "conv": [0]}, ["neuron"])
    assert found == {"mixed": {u: found["mixed"][u] for u in NEURON_UNITS}, "conv": {}}
    assert set(found["mixed"][0]) == {"neuron"} and found["mixed"][0]["neuron"].asset.ext == "png"
    both = reader.pictures_of("fam-a", {"mixed": [0, 1]}, ["neuron", "channel"])["mixed"]
    assert set(both[0]) == {"neuron", "channel"} and set(both[1]) == {"channel"}
    assert reader.pictures_of("fam-a", {"mixed": [2]}, ["neuron"]) == {"mixed": {}}


def test_pictures_carry_the_transparency_they_were_drawn_with(reader: StoreReader) -> None:
    ranked = reader.units_scored("fam-a", "curve", 4, ["mixed"], pictures=["neuron"])["mixed"]
    found = reader.pictures_of("fam-a", {"mixed": NEURON_UNITS}, ["neuron", "channel"])["mixed"]
    layer = {u.unit: u for u in reader.units("fam-a", "mixed", pictures=["neuron"])}
    for unit in NEURON_UNITS:
        expected = TRANSPARENCY if unit in TRANSPARENT_UNITS else 0.0
        from_ranked = next(u for u in ranked if u.unit == unit).pictures["neuron"]
        assert from_ranked.transparency == found[unit]["neuron"].transparency == expected
        assert layer[unit].pictures["neuron"] == from_ranked
        assert from_ranked.transparent == (unit in TRANSPARENT_UNITS)
        assert not found[unit]["channel"].transparent  # no transparency recorded: opaque


def test_a_layers_units_bring_pictures_only_when_asked(reader: StoreReader) -> None:
    plain = reader.units("fam-a", "mixed")
    assert all(not u.pictures for u in plain) and all(u.thumbnail for u in plain)
    asked = reader.units("fam-a", "mixed", pictures=["neuron"])
    assert [u.unit for u in asked] == [u.unit for u in plain]
    assert sorted(u.unit for u in asked if u.pictures) == NEURON_UNITS


def test_each_family_query_is_one_statement(reader: StoreReader) -> None:
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(reader.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    reader.units_scored("fam-a", "curve", 64, pictures=["neuron", "channel"])
    reader.curves_of("fam-a", {"mixed": list(range(10)), "conv": [0, 1]}, "orientation")
    reader.pictures_of("fam-a", {"mixed": list(range(10)), "conv": [0, 1]}, ["neuron", "channel"])
    assert len(statements) == 3


def test_top_scored_ranks_units_of_every_model_highest_first_in_one_statement(reader: StoreReader) -> None:
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(reader.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    top = reader.top_scored("curve", 5)
    assert len(statements) == 1
    # Ties without a family (no evidence to rank by): by unit, then model, then layer in forward order.
    assert [(s.model, s.layer, s.unit, s.value) for s in top] == [
        ("fam-a", "mixed", 0, 0.9),
        ("fam-b", "block", 2, 0.9),
        ("fam-a", "mixed", 1, 0.85),
        ("fam-a", "conv", 0, 0.8),
        ("fam-a", "mixed", 2, 0.8),
    ]
    assert reader.top_scored("colour", 5) == []
