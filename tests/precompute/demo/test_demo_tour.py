"""The shipped tours name units the demo network really has (checked on the bare network, no precompute), describe
each unit only through claims, and quote no measured number by hand. Their claims are judged on the real demo build
in test_build.py (`shipped_verdicts`), an experiment stop's on the experiment the build stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.tours.experiments import measures, tour_experiments
from notes import tours
from notes.claim_check import Verdict, check_tour, wanted_units
from notes.claims import PLACEHOLDER, stop_units
from precompute.layers import probe_layers
from precompute.zoo import get_model
from precompute.zoo.demo_net import MODEL_ID
from store.experiments import Experiment
from store.measures import model_measures
from store.reader import StoreReader

UNIT_REF = re.compile(r"[\w-]+:[0-9]+(,[0-9]+)*(;[\w-]+:[0-9]+(,[0-9]+)*)*")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
WORD = re.compile(r"[\w-]*[^\W\d_][\w-]*")  # a word with a letter in it: mixed3b, InceptionV1, mixed4b_3x3


@pytest.fixture(scope="module")
def demo_units() -> dict[str, int]:
    """Units of each browsable layer of the demo network."""
    return {info.name: info.units for info in probe_layers(get_model(MODEL_ID).bare())}


def _tour() -> tours.Tour:
    return next(t for t in tours.shipped() if t.slug == "demo-curves")


def shipped_verdicts(store: Path) -> list[tuple[str, int, Verdict]]:
    """Every claim of every shipped tour judged on `store`: (tour, stop number, verdict)."""
    reader, found = StoreReader(store), []
    models = {model.id: model for model in reader.models()}
    for tour in tours.shipped():
        wanted = wanted_units(tour.stops).items()
        facts = {model: model_measures(reader, model, layers) for model, layers in wanted}
        experiments = measures(tour_experiments(tour.stops, reader, models))
        for number, verdicts in enumerate(check_tour(tour.stops, facts, experiments), 1):
            found += [(tour.slug, number, verdict) for verdict in verdicts]
    return found


def hand_numbers(text: str) -> list[str]:
    """The numbers a text writes outside placeholders, unit refs, link targets and words such as `mixed3b`."""
    for pattern in (PLACEHOLDER, LINK_TARGET, UNIT_REF, WORD):
        text = pattern.sub(" ", text)
    return re.findall(r"\d[\d.,°%]*", text)


def test_every_stop_of_the_demo_tour_names_a_unit_of_the_demo_network(demo_units: dict[str, int]) -> None:
    tour = _tour()
    assert tour.stops and all(stop.model == MODEL_ID for stop in tour.stops)
    for number, stop in enumerate(tour.stops, 1):
        for layer, unit in stop_units(stop.kind, stop.target):
            assert layer in demo_units, f"stop {number}: no layer {layer!r}; layers: {list(demo_units)}"
            assert unit < demo_units[layer], f"stop {number}: {layer} has {demo_units[layer]} units, not {unit + 1}"


def test_the_demo_tour_shows_curve_detectors_a_circuit_ordered_by_orientation_and_a_colour_unit() -> None:
    stops = _tour().stops
    kinds = [[claim.kind for claim in stop.claims] for stop in stops]
    circuits = [s for s in stops if s.kind == "circuit"]
    assert len(circuits) == 2 and sum(";" in s.target for s in circuits) == 1  # one of two layers: its kernels
    assert any("ordered_by" in k and "orientation_coverage" in k for k in kinds)
    assert sum("member" in k and "orientation" in k for k in kinds) >= 2  # curve detectors, each at its orientation
    assert any(c.kind == "score" and c.subject == "bw_ratio" and c.at_most for s in stops for c in s.claims)


def test_the_demo_tour_ends_on_the_curve_units_of_mixed4a_rebuilt_by_hand(demo_units: dict[str, int]) -> None:
    last = _tour().stops[-1]
    assert last.kind == "experiment" and last.model == MODEL_ID
    rebuild = Experiment.parse(last.target)
    assert str(rebuild) == last.target  # written as its page's address writes it
    assert (rebuild.kind, rebuild.layer) == ("rebuild", "mixed4a") and len(rebuild.units) == 10
    assert all(unit < demo_units["mixed4a"] for unit in rebuild.units)
    claimed = {claim.subject: claim for claim in last.claims}
    assert claimed["won_back"].at_least and claimed["tuning_r"].at_least  # the numbers its caption quotes, bounded


@pytest.mark.parametrize("tour", tours.shipped(), ids=lambda t: t.slug)
def test_every_shipped_stop_that_describes_its_units_claims_their_top_examples(tour: tours.Tour) -> None:
    for number, stop in enumerate(tour.stops, 1):
        if not stop.caption.strip():
            continue
        covered = {c.unit for c in stop.claims if c.kind == "top_examples"}
        units = {f"{layer}:{unit}" for layer, unit in stop_units(stop.kind, stop.target)}
        assert None in covered or units <= covered, f"{tour.slug} stop {number}: no top_examples claim for {units}"


@pytest.mark.parametrize("tour", tours.shipped(), ids=lambda t: t.slug)
def test_shipped_tours_quote_measured_numbers_only_through_placeholders(tour: tours.Tour) -> None:
    assert hand_numbers(tour.description) == []
    for number, stop in enumerate(tour.stops, 1):
        assert hand_numbers(stop.caption) == [], f"{tour.slug} stop {number}: quote numbers with {{{{ … }}}}"


@pytest.mark.parametrize(
    "caption",
    ["its curve score is 0.93", "tuned near 215°", "15 of its 16 top examples", "the 3×3 branch"],
)
def test_a_number_written_by_hand_is_found(caption: str) -> None:
    assert hand_numbers(caption)


def test_placeholders_unit_refs_links_and_layer_names_are_not_hand_numbers() -> None:
    text = "{{ score curve }} of `mixed3b_3x3`, mixed4a:1,2 in [a](/models/m/layers/mixed4b) like InceptionV1"
    assert hand_numbers(text) == []
