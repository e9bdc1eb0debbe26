"""`microscope`: one command whose subcommands come from precompute and the app, each imported only when used."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from microscope import tour_check
from notes import cli as notes_cli
from notes import tour_cli
from precompute import cli as precompute_cli
from precompute.cli import AssetsOption, DbOption, StoreOption
from precompute.cli_options import fill_bare_values
from precompute.config import PRESETS
from store import cli as store_cli

DEMO_STEPS: int = PRESETS["demo"]["steps"]  # the demo preset's (precompute.config), without importing torch

DemoThreadsOption = Annotated[
    int | None,
    typer.Option(
        envvar="MICROSCOPE_THREADS",
        min=1,
        help="CPU threads torch uses (default: every core, since the demo runs alone; 1 leaves room for other work).",
    ),
]


def _metavar(option: typer.core.TyperOption) -> str:
    """What an option's value is called in help: its choices, N or NUMBER, else its name (`--model MODEL`)."""
    descriptor = option.type_descriptor
    if descriptor.is_choice:
        return "[" + "|".join(map(str, descriptor.choices or ())) + "]"
    if descriptor.annotation in (int, float):
        return "N" if descriptor.annotation is int else "NUMBER"
    return (option.name or "value").upper()


class ReadableHelp(typer.core.TyperGroup):
    """The command tree, each option's value named as above and each argument by its name, instead of Typer's
    `<str>`, `<int range>`, `<path>`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        groups: list[typer.core.TyperGroup] = [self]
        while groups:
            for command in groups.pop().commands.values():
                groups += [command] if isinstance(command, typer.core.TyperGroup) else []
                for param in command.params:
                    if isinstance(param, typer.core.TyperArgument) and param.metavar is None:
                        param.metavar = (param.name or "value").upper()
                    elif isinstance(param, typer.core.TyperOption) and not param.is_flag and param.metavar is None:
                        param.metavar = _metavar(param)


app = typer.Typer(
    help="Look inside convolutional networks: precompute a model into a store, then browse it.",
    cls=ReadableHelp,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: defaults and URLs whole, not cut to the column, and no type column
)
app.command()(precompute_cli.models)
app.command()(precompute_cli.precompute)
app.command()(precompute_cli.check)
app.add_typer(precompute_cli.labels_app, name="labels")
app.add_typer(notes_cli.tokens_app, name="tokens")
app.add_typer(notes_cli.annotations_app, name="annotations")
tour_cli.tours_app.command("check")(tour_check.check)  # reads a store, which notes/ never imports
app.add_typer(tour_cli.tours_app, name="tours")
app.add_typer(store_cli.assets_app, name="assets")

HostOption = Annotated[str, typer.Option(envvar="MICROSCOPE_HOST", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(envvar="MICROSCOPE_PORT", help="Port to listen on.")]
PUBLIC_URL_HELP = "The address users reach the service at (https://host[:port]), for canonical links and redirects."
PROBE_SPEC_HELP = (
    "a zoo id (demo-inception) or a model spec (examples/models/x.toml), =FILE for other weights "
    "(cifar-resnet20=weights.pt): the weights the store was precomputed with"
)
ProbeOption = Annotated[
    str | None,
    typer.Option(
        "--probe",
        envvar="MICROSCOPE_PROBE_URL",
        help="URL of a `microscope probe-worker` (http://127.0.0.1:8001): model pages offer probing your own image.",
    ),
]
AssetBaseOption = Annotated[
    str | None,
    typer.Option(
        envvar="MICROSCOPE_ASSET_BASE_URL",
        help="A static host holding the store's assets as `microscope assets sync` copies them "
        "(https://assets.example.org/microscope): pages and JSON link images and tensors there.",
    ),
]
ForwardedAllowIpsOption = Annotated[
    str | None,
    typer.Option(
        envvar="MICROSCOPE_FORWARDED_ALLOW_IPS",
        help="Reverse proxies (IPs or networks, comma-separated, or '*') whose X-Forwarded-Proto and X-Forwarded-For "
        "are believed. Default: nobody's. --public-url wins over them.",
    ),
]
WorkersOption = Annotated[
    int, typer.Option(min=1, envvar="MICROSCOPE_WORKERS", help="Server processes (each caches what it serves).")
]


@app.command()
def serve(
    store: StoreOption = Path("var/store"),
    db: DbOption = None,
    assets: AssetsOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    public_url: Annotated[str | None, typer.Option(envvar="MICROSCOPE_PUBLIC_URL", help=PUBLIC_URL_HELP)] = None,
    workers: WorkersOption = 1,
    probe: ProbeOption = None,
    asset_base_url: AssetBaseOption = None,
    forwarded_allow_ips: ForwardedAllowIpsOption = None,
) -> None:
    """Serve a store's pages and JSON API."""
    from app.server import serve as run_server

    run_server(
        store,
        host,
        port,
        db=db,
        assets=assets,
        public_url=public_url,
        workers=workers,
        probe_url=probe,
        asset_base_url=asset_base_url,
        forwarded_allow_ips=forwarded_allow_ips,
    )


@app.command()
def demo(
    store: StoreOption = Path("var/demo"),
    db: DbOption = None,
    assets: AssetsOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the store once it is built.")] = True,
    steps: Annotated[int, typer.Option(min=1, help="Optimization steps per feature visualization.")] = DEMO_STEPS,
    retrain: Annotated[
        bool, typer.Option(help="Train the demo network here instead of using the shipped weights.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    threads: DemoThreadsOption = None,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Serve with an experiment and probe worker beside the service (loopback only): experiments and "
            "probes of your own images run live.",
        ),
    ] = True,
) -> None:
    """The offline demo: generated stimuli, two small networks trained on them, every view, served.

    The stimuli go in the store folder; --db and --assets put the database and the images elsewhere.
    """
    precompute_cli.require_torch("demo")
    from precompute.demo.build import DemoConfig, run_demo

    location = precompute_cli.store_location(store, db, assets)
    config = DemoConfig(
        store=store, db=db, assets=assets, steps=steps, retrain=retrain, progress=progress, threads=threads
    )
    for summary in run_demo(config, echo=typer.echo):
        typer.echo(summary.describe(location))
    if serve_after:
        from app.server import serve as run_server
        from precompute.demo.train import NETWORKS
        from precompute.demo.worker import demo_worker

        beside = demo_worker(list(NETWORKS), store, db=db, assets=assets, echo=typer.echo) if worker else nullcontext()
        with beside as probe_url:
            typer.echo(f"serving the demo at http://{host}:{port}/models/demo-inception/layers/mixed4b/units/409")
            run_server(store, host, port, db=db, assets=assets, probe_url=probe_url)


@app.command("probe-worker")
def probe_worker(
    model: Annotated[list[str], typer.Option(help=f"A model to probe (repeat for several): {PROBE_SPEC_HELP}.")],
    store: Annotated[
        Path | None,
        typer.Option(
            envvar="MICROSCOPE_STORE",
            help="The models' store: their weights are checked against it, and experiments run on its dataset images "
            "(without it, the worker probes only).",
        ),
    ] = None,
    db: DbOption = None,
    assets: AssetsOption = None,
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="MICROSCOPE_PROBE_PORT", help="Port to listen on.")] = 8001,
    queue: Annotated[int, typer.Option(min=0, help="Probes that may wait while one runs; more get 503.")] = 4,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a probe may take, waiting included; then 504.")
    ] = 30.0,
    experiment_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds an experiment may take, waiting included; then 504.")
    ] = 300.0,
    threads: DemoThreadsOption = None,
) -> None:
    """Serve probes of uploaded images for `microscope serve --probe URL` (needs PyTorch; loads the models once)."""
    precompute_cli.require_torch("probe-worker")
    from precompute.probe.run import start_worker

    location = precompute_cli.store_location(store or Path("."), db, assets) if store or db else None
    start_worker(
        model,
        store=location,
        host=host,
        port=port,
        queue=queue,
        timeout=timeout,
        threads=threads,
        experiment_timeout=experiment_timeout,
    )


def main() -> None:
    """Entry point of the `microscope` console script."""
    app(args=fill_bare_values(sys.argv[1:], precompute_cli.BARE_VALUES))
