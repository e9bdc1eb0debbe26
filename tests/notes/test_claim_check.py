"""Claims judged on the toy store: each holds, fails with the value measured now, or cannot be checked; captions'
placeholders filled from the same measurements.

The toy store's block1 unit u has top examples of images (u + r) % 9 for r < 3 (labels red ×3, green ×3, blue ×3),
a `bw_ratio` of u/5, tuning curves peaking at 1.0 and top examples at 3.0, and no branch or orientation score.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notes.claim_check import NOT_MEASURED, NoFacts, check_stop, check_tour, fill, wanted_units
from notes.tour_file import StopFile, parse
from store.measures import ModelMeasures, UnitMeasures, model_measures
from store.reader import StoreReader
from store.records import EvidenceRecord
from store.writer import StoreWriter
from tests.conftest import build_toy_store

MODEL = "toy-net"


def _stop(claim: str, target: str = "unit: toy-net/block1:0", caption: str = "") -> StopFile:
    text = f"slug: t\ntitle: T\nstops:\n  - {target}\n    caption: '{caption}'\n    claims: [{claim}]\n"
    return parse(text).stops[0]


def _judged(stop: StopFile, store: Path) -> list[tuple[str, str]]:
    facts = {m: model_measures(StoreReader(store), m, layers) for m, layers in wanted_units([stop]).items()}
    return [(v.status, v.measured) for v in check_tour([stop], facts)[0]]


@pytest.mark.parametrize(
    ("claim", "target", "verdict"),
    [
        ("{top_examples: red, at_least: 0.75}", "block1:0", ("holds", "1.00 (3 of 3)")),
        ("{top_examples: red, at_least: 0.75}", "block1:2", ("fails", "0.33 (1 of 3)")),
        ("{top_examples: green, at_most: 0.5}", "block1:3", ("fails", "1.00 (3 of 3)")),
        ("{score: bw_ratio, at_least: 0.3}", "block1:2", ("holds", "0.40")),
        ("{score: bw_ratio, at_least: 0.3}", "block1:1", ("fails", "0.20")),
        ("{rank: bw_ratio, top: 2}", "block1:4", ("holds", "2 of 6")),
        ("{rank: bw_ratio, top: 2}", "block1:3", ("fails", "3 of 6")),
        ("{response: curvature, at_least: 0.3}", "block1:1", ("holds", "0.33")),
        ("{response: curvature, at_least: 0.5}", "block1:1", ("fails", "0.33")),
        ("{branch: block1_3x3}", "block1:1", ("fails", "no branch")),
    ],
)
def test_a_unit_claim_holds_or_fails_with_the_value_measured_now(
    toy_store: Path, claim: str, target: str, verdict: tuple[str, str]
) -> None:
    assert _judged(_stop(claim, f"unit: {MODEL}/{target}"), toy_store) == [verdict]


@pytest.mark.parametrize(
    ("claim", "target", "why"),
    [
        ("{score: curve, at_least: 0.5}", "block1:1", "block1:1 has no curve score in this store"),
        ("{orientation: 30, within: 20}", "block1:1", "block1:1 has no orientation score"),
        ("{top_examples: purple, at_least: 0.5}", "block1:1", "no dataset image is labelled 'purple'; labels: blue"),
        ("{response: hue, at_least: 0.5}", "block1:1", "block1:1 has no hue tuning curve"),
        ("{score: bw_ratio, at_least: 0.5}", "block1:99", "this store has no unit block1:99"),
        ("{score: bw_ratio, at_least: 0.5}", "mixed9z:1", "this store has no layer 'mixed9z'"),
        ("{branch_share: red, at_least: 0.5}", "block1:1", "block1:1 is in no branch"),
    ],
)
def test_a_claim_the_store_cannot_measure_cannot_be_checked(toy_store: Path, claim: str, target: str, why: str) -> None:
    [(status, measured)] = _judged(_stop(claim, f"unit: {MODEL}/{target}"), toy_store)
    assert status == "unchecked" and why in measured


def test_a_claim_on_a_model_the_store_lacks_cannot_be_checked(toy_store: Path) -> None:
    stop = _stop("{score: bw_ratio, at_least: 0.5}", "unit: other-net/fc:0")
    assert _judged(stop, toy_store) == [("unchecked", "this store lacks the model")]


def test_a_circuit_claim_holds_only_when_it_holds_for_every_unit(toy_store: Path) -> None:
    circuit = "circuit: toy-net/block1:0,1,2"
    assert _judged(_stop("{top_examples: red, at_least: 0.3}", circuit), toy_store)[0][0] == "holds"
    status, measured = _judged(_stop("{top_examples: red, at_least: 0.5}", circuit), toy_store)[0]
    assert status == "fails" and measured == "block1:2: 0.33 (1 of 3)"  # only the failing unit is named
    one = _stop("{unit: 'block1:2', top_examples: red, at_most: 0.5}", circuit)
    assert _judged(one, toy_store) == [("holds", "0.33 (1 of 3)")]


def test_a_circuit_ordered_by_a_score_is_checked_in_the_stop_order(toy_store: Path) -> None:
    ordered = _judged(_stop("{ordered_by: bw_ratio}", "circuit: toy-net/block1:0,2,4"), toy_store)
    assert ordered == [("holds", "0.00, 0.40, 0.80")]
    assert _judged(_stop("{ordered_by: bw_ratio}", "circuit: toy-net/block1:2,0"), toy_store)[0][0] == "fails"


def _orientations(*angles: float, selectivity: float = 0.5) -> ModelMeasures:
    scores = [{"orientation": a, "orientation_selectivity": selectivity} for a in angles]
    units = {("l", u): UnitMeasures("l", u, None, s) for u, s in enumerate(scores)}
    return ModelMeasures(units, (), ("l",))


@pytest.mark.parametrize(("angles", "status"), [((0, 90, 180, 270), "holds"), ((0, 30, 60, 90), "fails")])
def test_orientation_coverage_is_the_circle_less_its_largest_gap(angles: tuple[float, ...], status: str) -> None:
    stop = _stop("{orientation_coverage: 270}", "circuit: m/l:" + ",".join(str(u) for u in range(len(angles))))
    [verdict] = check_stop(stop, _orientations(*angles))
    assert verdict.status == status and verdict.measured.startswith("270°" if status == "holds" else "90°")


def test_orientation_coverage_counts_only_units_that_prefer_an_orientation() -> None:
    stop = _stop("{orientation_coverage: 270}", "circuit: m/l:0,1,2,3")
    measures = _orientations(0, 90, 180, 270)
    ring = measures.units[("l", 3)].scores
    ring["orientation_selectivity"] = 0.06  # its 270° is noise: 0, 90 and 180 cover 180°
    [verdict] = check_stop(stop, measures)
    assert (
        verdict.status == "fails"
        and verdict.measured.startswith("180°")
        and "1 unit of selectivity < 0.3" in verdict.measured
    )
    [none] = check_stop(stop, _orientations(0, 90, 180, 270, selectivity=0.1))
    assert none.status == "fails" and none.measured.startswith("no unit prefers an orientation")


def test_an_orientation_claim_is_a_circular_distance() -> None:
    [near] = check_stop(_stop("{orientation: 350, within: 20}", "unit: m/l:0"), _orientations(5))
    [far] = check_stop(_stop("{orientation: 350, within: 10}", "unit: m/l:0"), _orientations(5))
    assert (near.status, near.measured, far.status) == ("holds", "5° (15° off)", "fails")


def test_placeholders_are_filled_from_the_store(toy_store: Path) -> None:
    caption = "{{ top_examples red }} red, bw {{ score bw_ratio }}, rank {{ rank bw_ratio }}, {{ score curve }}"
    stop = _stop("{score: bw_ratio, at_most: 1}", "unit: toy-net/block1:1", caption)
    facts = model_measures(StoreReader(toy_store), MODEL, {"block1": {1}})
    assert fill(stop, facts) == f"2 of 3 red, bw 0.20, rank 5 of 6, {NOT_MEASURED}"


def test_a_circuit_placeholder_quotes_the_range_of_its_units(toy_store: Path) -> None:
    caption = "from {{ score bw_ratio }}; {{ score bw_ratio block1:4 }}"
    stop = _stop("{score: bw_ratio, at_most: 1}", "circuit: toy-net/block1:4,0,2", caption)
    facts = model_measures(StoreReader(toy_store), MODEL, {"block1": {0, 2, 4}})
    assert fill(stop, facts) == "from 0.00 to 0.80; 0.80"


def test_a_claim_about_another_unit_is_judged_on_that_unit(toy_store: Path) -> None:
    stop = _stop("{unit: 'block1:2', top_examples: red, at_least: 0.75}", caption="{{ top_examples red block1:2 }}")
    assert _judged(stop, toy_store) == [("fails", "0.33 (1 of 3)")]
    facts = model_measures(StoreReader(toy_store), MODEL, wanted_units([stop])[MODEL])
    assert fill(stop, facts) == "1 of 3"


def test_a_member_claim_is_the_store_family_gate(tmp_path: Path) -> None:
    store = build_toy_store(tmp_path / "store")
    gated = [(0, True, 3.0), (1, False, 3.0), (2, None, 1.0)]  # unit 2 never rises above the blank
    with StoreWriter(store) as writer:
        records = [EvidenceRecord(u, "curves", 1.0, 0.5, peak, None, passes) for u, passes, peak in gated]
        writer.put_score_evidence(MODEL, "block1", records)
    judged = [_judged(_stop("{member: curves}", f"unit: toy-net/block1:{u}"), Path(store))[0] for u in range(4)]
    assert judged == [
        ("holds", "a member"),
        ("fails", "not a member"),
        ("unchecked", "block1:2: no dataset peak above the blank in this store"),
        ("unchecked", "block1:3: no family gate recorded in this store"),
    ]


def test_a_top_examples_claim_on_a_family_counts_every_class_of_the_family() -> None:
    unit = UnitMeasures("l", 0, None, {}, labels={"curve_e": 6, "curve_n": 6, "line": 4}, examples=16)
    facts = ModelMeasures({("l", 0): unit}, ("curve_e", "curve_n", "line"), ("l",), {"curves": ("curve_e", "curve_n")})
    [family] = check_stop(_stop("{top_examples: curves, at_least: 0.75}", "unit: m/l:0"), facts)
    [one_class] = check_stop(_stop("{top_examples: curve_e, at_least: 0.75}", "unit: m/l:0"), facts)
    assert (family.status, family.measured) == ("holds", "0.75 (12 of 16)")
    assert (one_class.status, one_class.measured) == ("fails", "0.38 (6 of 16)")


REBUILD = "experiment: toy-net/rebuild:block1:2"
MEASURED = {"toy-net": {"rebuild:block1:2": {"won_back": 0.95, "tuning_r": 0.72, "family_removed": 0.643}}}


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("{experiment: won_back, at_least: 0.9}", ("holds", "95%")),
        ("{experiment: won_back, at_least: 0.97}", ("fails", "95%")),
        ("{experiment: tuning_r, at_least: 0.7}", ("holds", "0.72")),
        ("{experiment: tuning_r, at_least: 0.8}", ("fails", "0.72")),
        ("{experiment: family_removed, at_most: 0.6}", ("fails", "64.3%")),
        ("{experiment: family_before, at_least: 0.9}", ("unchecked", "rebuild:block1:2 did not measure family_before")),
    ],
)
def test_an_experiment_claim_holds_or_fails_with_what_the_experiment_measured(
    claim: str, verdict: tuple[str, str]
) -> None:
    (judged,) = check_tour([_stop(claim, REBUILD)], {}, MEASURED)[0]
    assert (judged.status, judged.measured[: len(verdict[1])]) == verdict


def test_an_experiment_the_store_did_not_run_cannot_be_checked() -> None:
    stop = _stop("{experiment: won_back, at_least: 0.9}", "experiment: toy-net/ablate:block1:2")
    (judged,) = check_tour([stop], {}, MEASURED)[0]
    assert (judged.status, judged.measured) == ("unchecked", "this store has no experiment ablate:block1:2")
    assert [v.status for v in check_stop(_stop("{experiment: won_back, at_least: 0.9}", REBUILD), NoFacts())] == [
        "unchecked"
    ]  # without the store's experiments, nothing is measured


def test_an_experiment_stops_placeholders_quote_what_it_measured() -> None:
    stop = _stop(
        "{experiment: won_back, at_least: 0.9}", REBUILD, "{{ experiment won_back }} at r = {{ experiment tuning_r }}"
    )
    assert fill(stop, NoFacts(), MEASURED["toy-net"]) == "95% at r = 0.72"
    assert fill(stop, NoFacts()) == f"{NOT_MEASURED} at r = {NOT_MEASURED}"
    assert wanted_units([stop]) == {}  # an experiment stop names no unit to measure
