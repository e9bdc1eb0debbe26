"""The shipped demo tour names units the demo network really has (checked on the bare network, no precompute)."""

from __future__ import annotations

import pytest

from notes import tours
from precompute.layers import probe_layers
from precompute.zoo import get_model
from precompute.zoo.demo_net import MODEL_ID


@pytest.fixture(scope="module")
def demo_units() -> dict[str, int]:
    """Units of each browsable layer of the demo network."""
    return {info.name: info.units for info in probe_layers(get_model(MODEL_ID).bare())}


def _tour() -> tours.Tour:
    return next(t for t in tours.shipped() if t.slug == "demo-curves")


def _units(target: str) -> list[tuple[str, int]]:
    """Every (layer, unit) a stop's target names: 'layer:u' or a circuit's 'layer:u,u;layer:u'."""
    named = []
    for group in target.split(";"):
        layer, _, units = group.partition(":")
        named += [(layer, int(u)) for u in units.split(",")]
    return named


def test_every_stop_of_the_demo_tour_names_a_unit_of_the_demo_network(demo_units: dict[str, int]) -> None:
    tour = _tour()
    assert tour.stops and all(stop.model == MODEL_ID for stop in tour.stops)
    for number, stop in enumerate(tour.stops, 1):
        for layer, unit in _units(stop.target):
            assert layer in demo_units, f"stop {number}: no layer {layer!r}; layers: {list(demo_units)}"
            assert unit < demo_units[layer], f"stop {number}: {layer} has {demo_units[layer]} units, not {unit + 1}"


def test_the_demo_tour_shows_units_a_family_circuit_and_the_branch_that_holds_them() -> None:
    tour = _tour()
    bare = get_model(MODEL_ID).bare().module
    three = next((start, stop) for name, start, stop in bare.branches("mixed3b") if name == "mixed3b_3x3")
    named = [unit for stop in tour.stops for layer, unit in _units(stop.target) if layer == "mixed3b"]
    assert named and all(three[0] <= unit < three[1] for unit in named)  # the captions say so
    assert [s.kind for s in tour.stops].count("circuit") == 1 and "mixed3b_3x3" in tour.stops[-1].caption
