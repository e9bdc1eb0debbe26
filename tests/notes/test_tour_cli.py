"""`microscope tours` on a temporary annotation database: import, export, list and delete."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from microscope.cli import app
from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse

runner = CliRunner()
TOUR = """slug: toy
title: Toy tour
stops:
  - unit: toy-net/conv1:1
    caption: "**first**"
  - circuit: toy-net/conv1:0,1;block1:2
    caption: second
"""


def _run(*args: str, db: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--notes-db", db])
    assert result.exit_code == code, result.output
    return result.output


def test_import_then_export_round_trips_through_yaml_and_json(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    (tmp_path / "toy.yaml").write_text(TOUR)
    assert "imported tour 'toy' (2 stops)" in _run("tours", "import", str(tmp_path / "toy.yaml"), db=source)
    _run("tours", "export", "toy", "--json", "--output", str(tmp_path / "toy.json"), db=source)
    _run("tours", "import", str(tmp_path / "toy.json"), db=target)
    exported = _run("tours", "export", "toy", db=target)
    assert parse(exported).stops == parse(TOUR).stops
    assert tours.stored_tour(NotesBook(target), "toy").title == "Toy tour"  # type: ignore[union-attr]
    assert "toy\t2 stops" in _run("tours", "list", db=target)


def test_importing_a_saved_slug_needs_replace(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.sqlite'}"
    (tmp_path / "toy.yaml").write_text(TOUR)
    _run("tours", "import", str(tmp_path / "toy.yaml"), db=db)
    (tmp_path / "toy.yaml").write_text(TOUR.replace("Toy tour", "Toy tour 2"))
    assert "--replace" in _run("tours", "import", str(tmp_path / "toy.yaml"), db=db, code=2)
    _run("tours", "import", str(tmp_path / "toy.yaml"), "--replace", db=db)
    assert tours.stored_tour(NotesBook(db), "toy").title == "Toy tour 2"  # type: ignore[union-attr]


def test_a_bad_tour_file_is_refused_naming_the_bad_stop(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.sqlite'}"
    (tmp_path / "bad.yaml").write_text(TOUR.replace("toy-net/conv1:1", "conv1"))
    output = _run("tours", "import", str(tmp_path / "bad.yaml"), db=db, code=2)
    assert "stop 1" in output and tours.stored(NotesBook(db)) == []


def test_delete_removes_a_saved_tour_and_names_the_saved_ones_otherwise(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.sqlite'}"
    (tmp_path / "toy.yaml").write_text(TOUR)
    _run("tours", "import", str(tmp_path / "toy.yaml"), db=db)
    assert "no saved tour 'other'" in _run("tours", "delete", "other", db=db, code=2)
    _run("tours", "delete", "toy", db=db)
    assert tours.stored(NotesBook(db)) == []


def test_export_of_an_unknown_slug_names_the_tours(tmp_path: Path) -> None:
    output = _run("tours", "export", "nope", db=f"sqlite:///{tmp_path / 'n.sqlite'}", code=2)
    assert "no tour 'nope'" in output and tours.shipped()[0].slug in output


def test_a_deeply_nested_file_is_refused_in_one_line_with_exit_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.sqlite'}"
    (tmp_path / "deep.yaml").write_text("stops: " + "[" * 1000 + "]" * 1000 + "\n")
    result = runner.invoke(app, ["tours", "import", str(tmp_path / "deep.yaml"), "--notes-db", db])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no RecursionError
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'deep.yaml'} nests mappings and lists 9 deep; the limit is 8 levels "
        "(tour_depth, setting MICROSCOPE_LIMIT_TOUR_DEPTH)"
    ]
    assert tours.stored(NotesBook(db)) == []


def test_a_huge_unit_number_is_refused_naming_the_stop(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'n.sqlite'}"
    (tmp_path / "huge.yaml").write_text(TOUR.replace("toy-net/conv1:1", "demo-inception/mixed3b:" + "9" * 5000))
    output = _run("tours", "import", str(tmp_path / "huge.yaml"), db=db, code=2)
    assert "stop 1" in output and "1–9 digits" in output and len(output) < 1000
    assert tours.stored(NotesBook(db)) == []
