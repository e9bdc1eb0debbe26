"""`microscope tours check SLUG|FILE`: every claim of a tour judged on a store; exit 1 when one fails, 2 for a bad file
or store. It lives here, not in notes/tour_cli.py, because it reads a store: the notes package never imports one."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from notes import tours
from notes.book import NotesBook
from notes.claim_check import NoFacts, Verdict, check_stop, wanted_units
from notes.cli import NotesDbOption
from notes.db import DEFAULT_URL
from notes.tour_file import StopFile, read
from precompute.cli import AssetsOption, DbOption, StoreOption, store_location

MARKS = {"holds": "holds", "fails": "FAILS", "unchecked": "cannot be checked"}


def _refuse(message: object) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _stops(tour: str, notes_db: str) -> tuple[str, list[StopFile]]:
    """The tour's slug and stops: from the file at `tour`, else the saved or shipped tour of that slug."""
    path = Path(tour)
    if path.is_file():
        try:
            found = read(path)
        except (ValueError, OSError) as error:
            _refuse(error)
        return found.slug, list(found.stops)
    known = {t.slug: t for t in tours.every(NotesBook(notes_db))}
    if tour not in known:
        _refuse(f"{tour!r} is neither a tour file nor a tour; tours: {', '.join(known) or 'none'}")
    return tour, list(known[tour].stops)


def _line(verdict: Verdict) -> str:
    return f"  {MARKS[verdict.status]:<17} {verdict.claim.text} — {verdict.measured}"


def check(
    tour: str = typer.Argument(..., metavar="SLUG|FILE", help="A tour's slug (saved or shipped) or a tour file."),
    store: StoreOption = Path("var/store"),
    db: DbOption = None,
    assets: AssetsOption = None,
    notes_db: NotesDbOption = DEFAULT_URL,
) -> None:
    """Check every claim of a tour against a store: each claim with what the store measures now."""
    from app.tours.experiments import measures, tour_experiments
    from store.db import StoreFormatError
    from store.measures import model_measures
    from store.reader import StoreReader

    slug, stops = _stops(tour, notes_db)
    try:
        reader = StoreReader(store_location(store, db, assets))
        facts = {m: model_measures(reader, m, layers) for m, layers in wanted_units(stops).items()}
        experiments = measures(tour_experiments(stops, reader, {m.id: m for m in reader.models()}))
    except (StoreFormatError, OSError) as error:
        _refuse(error)
    counts = dict.fromkeys(MARKS, 0)
    for number, stop in enumerate(stops, 1):
        if not stop.claims or stop.problem is not None:
            continue
        typer.echo(f"stop {number} ({stop.written}):")
        for verdict in check_stop(stop, facts.get(stop.model, NoFacts()), experiments.get(stop.model)):
            counts[verdict.status] += 1
            typer.echo(_line(verdict))
    typer.echo(f"{slug}: " + ", ".join(f"{n} {MARKS[s]}" for s, n in counts.items()))
    if counts["fails"]:
        raise typer.Exit(1)
