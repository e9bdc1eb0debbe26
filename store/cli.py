"""`microscope assets sync`: a store's asset files copied to a folder a static host serves."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from store.paths import ASSETS_DIR
from store.sync import AssetMismatch, asset_files, sync_assets

assets_app = typer.Typer(help="A store's content-addressed asset files, for a static host.", no_args_is_help=True)


@assets_app.command("sync")
def sync(
    dest: Annotated[Path, typer.Argument(help="The folder the static host serves at --asset-base-url.")],
    store: Annotated[
        Path, typer.Option(envvar="MICROSCOPE_STORE", help="A store folder: its assets/ are copied.")
    ] = Path("var/store"),
    assets: Annotated[
        Path | None,
        typer.Option(envvar="MICROSCOPE_ASSETS", help="The store's asset folder, when apart from a store folder."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Copy every asset file into DEST by its key (ab/ab….png), skipping those already there; safe to re-run.

    Serve DEST from a static host and give its URL to `microscope serve --asset-base-url`.
    """
    source = assets if assets is not None else store / ASSETS_DIR
    try:
        files = asset_files(source)
        if progress:  # on stderr: stdout carries only the summary
            with typer.progressbar(length=len(files), label="syncing assets", file=sys.stderr) as bar:
                summary = sync_assets(source, dest, files, bar.update)
        else:
            summary = sync_assets(source, dest, files)
    except (FileNotFoundError, AssetMismatch, ValueError) as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(summary.describe(dest))
