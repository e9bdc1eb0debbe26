"""`microscope tokens …` and `microscope annotations …`: instructor tokens and notes moved as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from notes import tokens
from notes.book import NotesBook
from notes.db import DEFAULT_URL
from notes.transfer import export_notes, import_notes

NotesDbOption = Annotated[
    str,
    typer.Option("--notes-db", envvar="MICROSCOPE_NOTES_DB", help="The annotation database's SQLAlchemy URL."),
]

tokens_app = typer.Typer(help="Instructor tokens: who may write notes.", no_args_is_help=True)
annotations_app = typer.Typer(help="Notes on units, moved as JSON.", no_args_is_help=True)


@tokens_app.command("create")
def create_token(name: str, notes_db: NotesDbOption = DEFAULT_URL) -> None:
    """Make a token for instructor NAME and print it (once: only its hash is kept)."""
    try:
        with NotesBook(notes_db).writing() as session:
            token = tokens.create(session, name)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from None
    typer.echo(token)


@tokens_app.command("revoke")
def revoke_token(name: str, notes_db: NotesDbOption = DEFAULT_URL) -> None:
    """Revoke instructor NAME's token: it writes nothing from now on."""
    try:
        with NotesBook(notes_db).writing() as session:
            tokens.revoke(session, name)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="NAME") from None
    typer.echo(f"revoked {name}")


@tokens_app.command("list")
def list_tokens(notes_db: NotesDbOption = DEFAULT_URL) -> None:
    """Every token: name, first characters, when made, and when revoked."""
    with NotesBook(notes_db).writing() as session:
        for info in tokens.listed(session):
            state = f"revoked {info.revoked:%Y-%m-%d %H:%M}" if info.revoked else "live"
            typer.echo(f"{info.name}\t{info.prefix}…\t{info.created:%Y-%m-%d %H:%M}\t{state}")


@annotations_app.command("export")
def export(file: Path, notes_db: NotesDbOption = DEFAULT_URL) -> None:
    """Write every note to FILE as JSON."""
    count = export_notes(NotesBook(notes_db), file)
    typer.echo(f"exported {count} notes to {file}")


@annotations_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    notes_db: NotesDbOption = DEFAULT_URL,
    author: Annotated[str, typer.Option(help="Who the audit trail names for the import.")] = "import",
) -> None:
    """Read notes from FILE (written by export), replacing the notes of the same units."""
    try:
        count = import_notes(NotesBook(notes_db), file, author=author)
    except ValueError as error:  # pydantic's ValidationError is one
        raise typer.BadParameter(str(error), param_hint="FILE") from None
    typer.echo(f"imported {count} notes from {file}")
