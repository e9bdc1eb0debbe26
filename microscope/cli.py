"""`microscope`: one command whose subcommands come from precompute and the app, each imported only when used."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from precompute import cli as precompute_cli

app = typer.Typer(
    help="Look inside convolutional networks: precompute a model into a store, then browse it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(precompute_cli.models)
app.command()(precompute_cli.precompute)
app.command()(precompute_cli.check)


@app.command()
def serve(
    store: Annotated[Path, typer.Option(envvar="MICROSCOPE_STORE", help="Store folder to serve.")] = Path("var/store"),
    host: Annotated[str, typer.Option(envvar="MICROSCOPE_HOST", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="MICROSCOPE_PORT", help="Port to listen on.")] = 8000,
) -> None:
    """Serve a store's pages and JSON API."""
    from app.server import serve as run_server

    run_server(store, host, port)


def main() -> None:
    """Entry point of the `microscope` console script."""
    app()
