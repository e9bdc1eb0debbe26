"""Claims and placeholders in tour files: parsed, refused with a message naming the valid ones, saved and exported."""

from __future__ import annotations

import re

import pytest

from notes import claims, tours
from notes.book import NotesBook
from notes.tour_file import dump, parse
from store.scores import FAMILY_SCORES, SCORES

TOUR = """
slug: claimed
title: Claimed
stops:
  - unit: toy-net/block1:0
    caption: "{{ top_examples red }} of its top examples are red; {{ score bw_ratio }}; {{ rank bw_ratio }}"
    claims:
      - {top_examples: red, at_least: 0.75}
      - {score: bw_ratio, at_least: 0.1, at_most: 0.5}
      - {orientation: 215, within: 20}
      - {rank: bw_ratio, top: 3}
      - {response: curvature, at_least: 0.2}
      - {branch: block1_3x3}
      - {branch_share: red, at_most: 0.5}
      - {member: curves}
  - circuit: toy-net/block1:0,1,2
    caption: "from {{ score bw_ratio }}; {{ branch block1:2 }}"
    claims:
      - {top_examples: red, at_least: 0.3}
      - {unit: "block1:2", score: bw_ratio, at_most: 0.9}
      - {ordered_by: bw_ratio}
      - {orientation_coverage: 270}
  - experiment: toy-net/rebuild:block1:2
    caption: "wins back {{ experiment won_back }}"
    claims:
      - {experiment: won_back, at_least: 0.5}
"""


def _with_claim(claim: str, stop: str = "unit: toy-net/block1:0", caption: str = "") -> str:
    return f"slug: t\ntitle: T\nstops:\n  - {stop}\n    caption: '{caption}'\n    claims: [{claim}]\n"


def test_claims_of_every_kind_parse_and_read_as_a_line() -> None:
    tour = parse(TOUR)
    kinds = [c.kind for s in tour.stops for c in s.claims]
    assert set(kinds) == set(claims.KINDS)
    assert tour.stops[0].claims[2].text == "orientation 215° ± 20°"
    assert tour.stops[1].claims[1].text == "block1:2: score bw_ratio ≤ 0.9"
    assert tour.stops[2].claims[0].text == "experiment won_back ≥ 0.5"


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_claims_are_exported_and_read_back(as_json: bool) -> None:
    tour = parse(TOUR)
    assert parse(dump(tour, as_json=as_json)) == tour
    assert "top_examples: red" in dump(tour)


def test_claims_are_saved_with_the_tour(book: NotesBook) -> None:
    tour = parse(TOUR)
    tours.put(book, tour, author="alice")
    saved = tours.stored_tour(book, "claimed")
    assert saved is not None and saved.stops == tuple(tour.stops)
    assert "branch_share: red" in dump(saved.document())


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("{curviness: 1}", "exactly one of the kinds score, top_examples"),
        ("{score: curvy, at_least: 1}", "unknown score 'curvy'; scores: bw_ratio, orientation"),
        ("{response: bends, at_least: 1}", "unknown tuning curve 'bends'; tuning curves: orientation"),
        ("{score: curve}", "the score claim needs at_least or at_most"),
        ("{orientation: 30}", "the orientation claim needs within"),
        ("{rank: curve}", "the rank claim needs top"),
        ("{branch: b, at_least: 1}", "the branch claim takes nothing more, not at_least"),
        ("{score: curve, top_examples: red, at_least: 1}", "this one has score, top_examples"),
        ("{ordered_by: curve}", "ordered_by is about the units of a circuit stop, not a unit stop"),
        ("{unit: 'block1', score: curve, at_least: 1}", "String should match pattern"),
    ],
    ids=["kind", "score", "curve", "bound", "within", "top", "extra", "two-kinds", "circuit-only", "unit"],
)
def test_a_bad_claim_is_refused_naming_the_valid_ones(claim: str, message: str) -> None:
    with pytest.raises(ValueError, match="stop 1") as caught:
        parse(_with_claim(claim), "t.yaml")
    assert message in str(caught.value)


def test_a_claim_may_name_another_unit_to_compare_with() -> None:
    stop = parse(_with_claim("{unit: 'block1:5', score: curve, at_least: 1}")).stops[0]
    assert stop.claims[0].unit == "block1:5" and stop.claims[0].text == "block1:5: score curve ≥ 1"


@pytest.mark.parametrize(
    ("caption", "message"),
    [
        ("{{ scor curve }}", "unknown placeholder {{ scor curve }}; placeholders: a score's value"),
        ("{{ score }}", "placeholder {{ score }}: a score's value"),
        ("{{ score curvy }}", "unknown score 'curvy'"),
        ("{{ score curve block1 }}", "{{ score curve }}, then optionally a unit, layer:unit"),
    ],
    ids=["kind", "no-name", "score", "bad-unit"],
)
def test_an_unknown_placeholder_is_refused_naming_the_valid_ones(caption: str, message: str) -> None:
    text = f"slug: t\ntitle: T\nstops:\n  - unit: toy-net/block1:0\n    caption: '{caption}'\n"
    with pytest.raises(ValueError, match="stop 1") as caught:
        parse(text)
    assert message in str(caught.value)


def test_markdown_braces_that_are_not_placeholders_stay_text() -> None:
    tour = parse("slug: t\ntitle: T\nstops:\n  - unit: toy-net/block1:0\n    caption: 'a {set} and `{x}`'\n")
    assert claims.placeholders(tour.stops[0].caption) == []


def test_the_claims_name_the_scores_and_families_the_store_declares() -> None:
    assert set(claims.SCORES) == set(SCORES) and set(claims.FAMILIES) == set(FAMILY_SCORES)


def test_the_claims_name_the_tuning_curves_precompute_stores() -> None:
    tuning = pytest.importorskip("precompute.tuning")
    assert set(claims.CURVES) == set(tuning.curve_axes())


EXPERIMENT = "experiment: toy-net/rebuild:block1:2"


@pytest.mark.parametrize(
    ("claim", "stop", "caption", "message"),
    [
        ("{experiment: won_back, at_least: 0.5}", "unit: toy-net/block1:0", "", "not an experiment"),
        ("{experiment: won_back, at_least: 0.5}", "circuit: toy-net/block1:0,1", "", "not an experiment"),
        ("{score: curve, at_least: 0.5}", EXPERIMENT, "", "claims and quotes only what its experiment measured"),
        ("{unit: 'block1:2', experiment: won_back, at_least: 0.5}", EXPERIMENT, "", "not unit block1:2"),
        ("{experiment: won_back}", EXPERIMENT, "", "the experiment claim needs at_least or at_most"),
        ("{experiment: luck, at_least: 0.5}", EXPERIMENT, "", "experiment: unknown measure 'luck'; measures: won_back"),
        ("{experiment: won_back, at_least: 0.5}", EXPERIMENT, "{{ score curve }}", "placeholder {{ score }}"),
        ("{score: curve, at_least: 0.5}", "unit: toy-net/block1:0", "{{ experiment won_back }}", "not an experiment"),
    ],
    ids=["on-unit", "on-circuit", "unit-kind", "unit-named", "bound", "measure", "unit-placeholder", "quoted-on-unit"],
)
def test_experiment_claims_are_an_experiment_stops_and_only_its(
    claim: str, stop: str, caption: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(_with_claim(claim, stop, caption))


def test_an_experiment_stop_names_a_model_and_a_spec() -> None:
    stop = parse(_with_claim("{experiment: tuning_r, at_least: 0.5}", EXPERIMENT)).stops[0]
    assert (stop.kind, stop.model, stop.target) == ("experiment", "toy-net", "rebuild:block1:2")
    with pytest.raises(ValueError, match="is not model/kind:layer:units"):
        parse(_with_claim("{experiment: tuning_r, at_least: 0.5}", "experiment: toy-net/block1:2"))
