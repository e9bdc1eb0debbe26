"""`microscope tours check SLUG|FILE` on the toy store: each claim with its verdict; exit 1 when one fails, 2 for a
bad file or store."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from microscope.cli import app
from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse

runner = CliRunner()
HOLDING = """slug: holding
title: Holding
stops:
  - unit: toy-net/block1:0
    caption: "{{ top_examples red }} red"
    claims:
      - {top_examples: red, at_least: 0.75}
      - {score: curve, at_least: 0.5}
  - circuit: toy-net/block1:0,2,4
    claims:
      - {ordered_by: bw_ratio}
"""
FAILING = HOLDING.replace("toy-net/block1:0\n", "toy-net/block1:2\n").replace("slug: holding", "slug: failing")


def _check(*args: str, code: int) -> str:
    result = runner.invoke(app, ["tours", "check", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_a_tour_file_whose_claims_hold_exits_0_listing_each_verdict(toy_store: Path, tmp_path: Path) -> None:
    (tmp_path / "tour.yaml").write_text(HOLDING)
    out = _check(str(tmp_path / "tour.yaml"), "--store", str(toy_store), code=0)
    assert "holds             top_examples red ≥ 0.75 — 1.00 (3 of 3)" in out
    assert "cannot be checked score curve ≥ 0.5 — block1:0 has no curve score in this store" in out
    assert "holds             units ordered by bw_ratio — 0.00, 0.40, 0.80" in out
    assert out.rstrip().endswith("holding: 2 holds, 0 FAILS, 1 cannot be checked")


def test_a_saved_tour_whose_claim_fails_exits_1_with_the_value_measured(toy_store: Path, tmp_path: Path) -> None:
    notes_db = f"sqlite:///{tmp_path / 'notes.sqlite'}"
    tours.put(NotesBook(notes_db), parse(FAILING), author="alice")
    out = _check("failing", "--store", str(toy_store), "--notes-db", notes_db, code=1)
    assert "FAILS             top_examples red ≥ 0.75 — 0.33 (1 of 3)" in out and "1 FAILS" in out


def test_a_bad_file_or_store_exits_2_naming_what_is_wrong(toy_store: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(HOLDING.replace("top_examples: red", "top_example: red"))
    assert "exactly one of the kinds" in _check(str(tmp_path / "bad.yaml"), "--store", str(toy_store), code=2)
    (tmp_path / "tour.yaml").write_text(HOLDING)
    assert "no store at" in _check(str(tmp_path / "tour.yaml"), "--store", str(tmp_path / "none"), code=2)
    notes_db = f"sqlite:///{tmp_path / 'notes.sqlite'}"
    out = _check("no-such-tour", "--store", str(toy_store), "--notes-db", notes_db, code=2)
    assert "neither a tour file nor a tour; tours: demo-curves" in out


REBUILT = """slug: rebuilt
title: Rebuilt
stops:
  - experiment: toy-net/rebuild:block1:2
    caption: "r = {{ experiment tuning_r }}"
    claims:
      - {experiment: tuning_r, at_least: 0.9}
      - {experiment: won_back, at_least: 0.5}
"""


def test_an_experiment_stop_is_judged_on_what_its_stored_experiment_measured(toy_store: Path, tmp_path: Path) -> None:
    (tmp_path / "tour.yaml").write_text(REBUILT)
    out = _check(str(tmp_path / "tour.yaml"), "--store", str(toy_store), code=0)
    assert "holds             experiment tuning_r ≥ 0.9 — 0.95" in out
    assert "cannot be checked experiment won_back ≥ 0.5 — rebuild:block1:2 did not measure won_back" in out
    (tmp_path / "tour.yaml").write_text(REBUILT.replace("tuning_r, at_least: 0.9", "tuning_r, at_least: 0.99"))
    assert "FAILS             experiment tuning_r ≥ 0.99 — 0.95" in _check(
        str(tmp_path / "tour.yaml"), "--store", str(toy_store), code=1
    )
