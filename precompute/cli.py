"""The precompute side of the `microscope` command: `models`, `precompute`, `check` and `labels import`.

`precompute`'s options are generated from `PrecomputeConfig`; the other commands name a store with the same
`--store`/`--db`/`--assets` options. Only `models` and `precompute` need PyTorch, imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from precompute.cli_options import cli_annotation, config_command, validation_message
from precompute.config import PRESETS, PrecomputeConfig
from store.location import StoreLocation

INSTALL_TORCH = 'pip install "microscope[precompute]"'
# Options that may stand alone, and the value they then take: a bare --ray starts a local Ray cluster.
BARE_VALUES = {"--ray": "local"}  # precompute.distributed.LOCAL (imported only with torch)

# The store options every command shares, described once by PrecomputeConfig's fields.
StoreOption = cli_annotation(PrecomputeConfig, "store", envvar="MICROSCOPE_STORE")
DbOption = cli_annotation(PrecomputeConfig, "db", envvar="MICROSCOPE_DB")
AssetsOption = cli_annotation(PrecomputeConfig, "assets", envvar="MICROSCOPE_ASSETS")
ThreadsOption = cli_annotation(PrecomputeConfig, "threads", envvar="MICROSCOPE_THREADS")
_ENVVARS = {
    "store": "MICROSCOPE_STORE",
    "db": "MICROSCOPE_DB",
    "assets": "MICROSCOPE_ASSETS",
    "threads": "MICROSCOPE_THREADS",
}


def require_torch(command: str) -> None:
    """Exit 2 with the install command when PyTorch is missing (the base install is torch-free)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        _fail(f"microscope {command} needs PyTorch, which this install lacks; install it with: {INSTALL_TORCH}")


def models() -> None:
    """List the model zoo."""
    require_torch("models")
    from precompute.zoo import list_models

    for entry in list_models():
        typer.echo(f"{entry.id:<18} {entry.title} — {entry.description}")


def _precompute(options: dict[str, Any]) -> None:
    require_torch("precompute")
    from precompute.distributed import TaskFailed
    from precompute.pipeline import run_precompute
    from precompute.threads import default_threads, threads_line
    from precompute.zoo import DownloadUnavailable
    from store.db import DatabaseError, StoreFormatError, StoreFullError, damaged

    preset = options.pop("preset", None)
    try:
        config = PrecomputeConfig(**options) if preset is None else PrecomputeConfig.preset(preset, **options)
    except ValidationError as error:
        _fail(validation_message(error))
    except ValueError as error:  # an unknown preset
        _fail(error)
    typer.echo(threads_line(config.threads or default_threads()))
    try:
        summary = run_precompute(config)
    except (
        KeyError,
        ValueError,
        FileNotFoundError,
        DownloadUnavailable,
        StoreFormatError,
        StoreFullError,
        TaskFailed,
    ) as error:
        _fail(error)
    except DatabaseError as error:  # a damaged page met while writing
        _fail(damaged(config.location.db_url, error))
    typer.echo(summary.describe(config.location))


precompute = config_command(
    PrecomputeConfig,
    _precompute,
    name="precompute",
    doc="Precompute feature visualizations, dataset examples and connections of a model into a store.",
    aliases={"kinds": ["--objectives"]},  # its name before "objective" came to mean only the optvis loss
    envvars=_ENVVARS,
    presets=tuple(PRESETS),
)


def _fail(error: Exception | str) -> NoReturn:
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2) from None


def store_location(store: Path, db: str | None, assets: Path | None) -> StoreLocation:
    """The store the options name; exit 2 on a malformed --db."""
    try:
        return StoreLocation.resolve(store, db, assets)
    except ValueError as error:
        _fail(f"--db: {error}")


labels_app = typer.Typer(help="Hand-made unit labels: import them into a store.", no_args_is_help=True)


@labels_app.command("import")
def import_labels(
    model: Annotated[str, typer.Argument(help="Id of the stored model the labels name units of.")],
    folder: Annotated[Path, typer.Argument(help="Folder of <layer>.json unit families (Early Vision format).")],
    store: StoreOption = Path("var/store"),
    db: DbOption = None,
    assets: AssetsOption = None,
    source: Annotated[str, typer.Option(help="Who made the labels, cited with them (known: early-vision).")] = (
        "early-vision"
    ),
) -> None:
    """Import hand-made unit labels into a store's stored layers, replacing the same source's earlier ones."""
    from precompute.unit_labels import import_unit_labels, label_source, read_label_folder
    from store.db import DatabaseError, StoreFormatError, StoreFullError, damaged
    from store.writer import StoreWriter

    location = store_location(store, db, assets)
    try:
        with StoreWriter(location) as writer:
            done = import_unit_labels(writer, model, read_label_folder(folder), label_source(source))
    except (KeyError, ValueError, StoreFormatError, StoreFullError) as error:
        _fail(error)
    except DatabaseError as error:
        _fail(damaged(location.db_url, error))
    typer.echo(done.describe(model))


def check(
    store: StoreOption = Path("var/store"),
    db: DbOption = None,
    assets: AssetsOption = None,
    hashes: Annotated[bool, typer.Option(help="Also re-hash every image file.")] = False,
    finalize: Annotated[
        bool,
        typer.Option(
            help="First merge a write-ahead log left by an interrupted or older precompute into the database, so "
            "the store can be served from read-only media (the only option that writes to the store)."
        ),
    ] = False,
) -> None:
    """Check a store's integrity: every unit present once, every finished stage complete, every file there.

    Without --finalize it only reads: it writes no file into the store, and works on a read-only copy.
    """
    from store.db import StoreFormatError, finalize_store
    from store.integrity import check_store

    location = store_location(store, db, assets)
    try:
        if finalize and not finalize_store(location.db_url):
            _fail(f"cannot finalize {location}: another process has it open (a precompute or a server); stop it first")
        report = check_store(location, verify_hashes=hashes)
    except StoreFormatError as error:
        _fail(error)
    if report.counts:  # none when the database could not be read
        typer.echo(", ".join(f"{count} {name}" for name, count in report.counts.items()))
    for note in report.notes:
        typer.echo(f"note: {note}")
    for problem in report.summary():
        typer.secho(f"problem: {problem}", fg=typer.colors.RED, err=True)
    typer.echo("ok" if report.ok else f"{len(report.problems)} problems")
    if not report.ok:
        raise typer.Exit(1)
