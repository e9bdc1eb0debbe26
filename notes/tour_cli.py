"""`microscope tours import|export|list|delete`: tours moved as YAML or JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from notes import tours
from notes.book import NotesBook
from notes.cli import NotesDbOption
from notes.db import DEFAULT_URL
from notes.tour_file import dump, read

tours_app = typer.Typer(
    help="Tours: ordered, captioned units and circuits, moved as YAML or JSON.", no_args_is_help=True
)


def _refuse(message: str) -> NoReturn:
    """Say on stderr what is wrong with the file (one line, or one per bad stop) and exit 2, without a traceback."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@tours_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    replace: Annotated[bool, typer.Option(help="Replace a saved tour of the same slug.")] = False,
    author: Annotated[
        str, typer.Option(help="Who the audit trail names (and the author, if FILE names none).")
    ] = "import",
    notes_db: NotesDbOption = DEFAULT_URL,
) -> None:
    """Save the tour in FILE (YAML or JSON)."""
    book = NotesBook(notes_db)
    try:
        tour = read(file)  # within the limits of MICROSCOPE_LIMIT_TOUR_*
    except (ValueError, OSError) as error:
        _refuse(str(error))
    if not replace and tours.stored_tour(book, tour.slug) is not None:
        raise typer.BadParameter(
            f"a tour {tour.slug!r} is saved already; add --replace to replace it", param_hint="FILE"
        )
    written = tours.put(book, tour, author=author, action="import")
    typer.echo(f"imported tour {written.slug!r} ({len(written.stops)} stops) from {file}")


@tours_app.command("export")
def export(
    slug: str,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON instead of YAML.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")] = None,
    notes_db: NotesDbOption = DEFAULT_URL,
) -> None:
    """Print tour SLUG (saved, or shipped) as a tour file."""
    found = {t.slug: t for t in tours.every(NotesBook(notes_db))}
    if slug not in found:
        raise typer.BadParameter(f"no tour {slug!r}; tours: {', '.join(found) or 'none'}", param_hint="SLUG")
    text = dump(found[slug].document(), as_json=as_json)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"exported tour {slug!r} to {output}")


@tours_app.command("list")
def list_tours(notes_db: NotesDbOption = DEFAULT_URL) -> None:
    """Every tour: slug, stops, author, and whether it is saved or shipped."""
    for tour in tours.every(NotesBook(notes_db)):
        where = "shipped" if tour.shipped else f"saved {tour.updated:%Y-%m-%d %H:%M}"
        typer.echo(f"{tour.slug}\t{len(tour.stops)} stops\t{tour.author}\t{where}\t{tour.title}")


@tours_app.command("delete")
def delete(
    slug: str,
    author: Annotated[str, typer.Option(help="Who the audit trail names.")] = "cli",
    notes_db: NotesDbOption = DEFAULT_URL,
) -> None:
    """Remove saved tour SLUG (the audit trail keeps it; shipped tours are read-only)."""
    book = NotesBook(notes_db)
    if not tours.delete(book, slug, author=author):
        saved = ", ".join(t.slug for t in tours.stored(book)) or "none"
        raise typer.BadParameter(f"no saved tour {slug!r}; saved tours: {saved}", param_hint="SLUG")
    typer.echo(f"deleted tour {slug!r}")
