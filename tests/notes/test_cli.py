"""`microscope tokens` and `microscope annotations` on a temporary annotation database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from microscope.cli import app
from notes.book import NotesBook

runner = CliRunner()


def _run(*args: str, db: str) -> str:
    result = runner.invoke(app, [*args, "--notes-db", db])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_created_token_is_printed_once_listed_and_revocable(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'notes.sqlite'}"
    token = _run("tokens", "create", "alice", db=db).strip()
    assert NotesBook(db).author_of(token) == "alice"
    listed = _run("tokens", "list", db=db)
    assert "alice" in listed and "live" in listed and token not in listed
    _run("tokens", "revoke", "alice", db=db)
    assert NotesBook(db).author_of(token) is None and "revoked" in _run("tokens", "list", db=db)


def test_annotations_export_then_import_round_trips(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    NotesBook(source).put("m", "l", 2, label="dots", body="round *dots*", author="alice")
    _run("annotations", "export", str(tmp_path / "notes.json"), db=source)
    assert "imported 1" in _run("annotations", "import", str(tmp_path / "notes.json"), db=target)
    assert NotesBook(target).notes() == NotesBook(source).notes()


def test_the_database_comes_from_the_environment(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'env.sqlite'}"
    result = runner.invoke(app, ["tokens", "create", "carol"], env={"MICROSCOPE_NOTES_DB": db})
    assert result.exit_code == 0 and NotesBook(db).author_of(result.output.strip()) == "carol"
