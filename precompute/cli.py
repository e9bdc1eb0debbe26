"""The precompute side of the `microscope` command: `models`, `precompute` and `check`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer


class Device(StrEnum):
    """Where to run the networks."""

    cpu = "cpu"
    cuda = "cuda"


class Precision(StrEnum):
    """The network's precision while rendering feature visualizations."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"


def models() -> None:
    """List the model zoo."""
    from precompute.zoo import list_models

    for entry in list_models():
        typer.echo(f"{entry.id:<18} {entry.title} — {entry.description}")


def _layer_list(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated option as a tuple (None when empty)."""
    return tuple(name.strip() for name in value.split(",") if name.strip()) if value else None


def precompute(
    model: Annotated[str, typer.Option(help="Zoo id (see `microscope models`) or the path of a .toml model card.")],
    weights: Annotated[
        Path | None, typer.Option(help="Weights file to use instead of the model's own download.")
    ] = None,
    labels: Annotated[Path | None, typer.Option(help="Class names, one per line, instead of the model's own.")] = None,
    images: Annotated[
        Path | None,
        typer.Option(
            help="Folder of images (any depth; class = parent folder), or 'imagenette': the Imagenette "
            "validation set, downloaded once."
        ),
    ] = None,
    layers: Annotated[
        str | None,
        typer.Option(help="Comma-separated layer ids (default: the model's default layers; see `microscope models`)."),
    ] = None,
    unit_labels: Annotated[
        Path | None,
        typer.Option(help="Folder of hand-made unit labels (<layer>.json unit families) to import, e.g. Early Vision."),
    ] = None,
    store: Annotated[Path, typer.Option(envvar="MICROSCOPE_STORE", help="Store folder.")] = Path("var/store"),
    device: Annotated[Device, typer.Option(help="Device to run on.")] = Device.cpu,
    steps: Annotated[int, typer.Option(min=1, help="Optimization steps per feature visualization (Lucid: 512).")] = 512,
    size: Annotated[int | None, typer.Option(min=8, help="Feature-vis side in px (default: the model's).")] = None,
    top_k: Annotated[int, typer.Option(min=1, help="Dataset examples kept per unit.")] = 16,
    max_images: Annotated[int | None, typer.Option(min=1, help="Use at most this many images.")] = None,
    top_edges: Annotated[int, typer.Option(min=1, help="Strongest +/− connections kept per unit.")] = 8,
    vis_batch: Annotated[int, typer.Option(min=1, help="Images optimized together in one batch.")] = 64,
    objectives: Annotated[
        str,
        typer.Option(help="Comma-separated feature-vis kinds per unit: channel (always), neuron, negative, diversity."),
    ] = "channel,neuron,negative,diversity",
    diversity: Annotated[int, typer.Option(min=2, help="Images in each unit's diversity set.")] = 4,
    extras: Annotated[
        str | None,
        typer.Option(
            help="Where the kinds besides channel are rendered: comma-separated layer ids or layer:first-last "
            "unit ranges, e.g. mixed4b:384-447 (default: every unit)."
        ),
    ] = None,
    precision: Annotated[
        Precision, typer.Option(help="Network precision while rendering (auto: bf16 on CUDA, fp32 on a CPU).")
    ] = Precision.auto,
    seed: Annotated[int, typer.Option(help="Seed of every random choice in feature visualization.")] = 0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Precompute feature visualizations, dataset examples and connections of a model into a store."""
    from precompute.pipeline import PrecomputeConfig, run_precompute
    from precompute.zoo import DownloadUnavailable

    try:
        config = PrecomputeConfig(
            model=model,
            store=store,
            weights=weights,
            labels=labels,
            images=images,
            layers=_layer_list(layers),
            unit_labels=unit_labels,
            device=device.value,
            steps=steps,
            size=size,
            top_k=top_k,
            max_images=max_images,
            top_edges=top_edges,
            vis_batch=vis_batch,
            objectives=_layer_list(objectives) or (),
            diversity=diversity,
            extras=_layer_list(extras),
            precision=precision.value,
            seed=seed,
            progress=progress,
        )
        summary = run_precompute(config)
    except (KeyError, ValueError, FileNotFoundError, DownloadUnavailable) as error:
        _fail(error)
    typer.echo(summary.describe(store))


def _fail(error: Exception) -> NoReturn:
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2) from None


labels_app = typer.Typer(help="Hand-made unit labels: import them into a store.", no_args_is_help=True)


@labels_app.command("import")
def import_labels(
    model: Annotated[str, typer.Argument(help="Id of the stored model the labels name units of.")],
    folder: Annotated[Path, typer.Argument(help="Folder of <layer>.json unit families (Early Vision format).")],
    store: Annotated[Path, typer.Option(envvar="MICROSCOPE_STORE", help="Store folder.")] = Path("var/store"),
    source: Annotated[str, typer.Option(help="Who made the labels, cited with them (known: early-vision).")] = (
        "early-vision"
    ),
) -> None:
    """Import hand-made unit labels into a store's stored layers, replacing the same source's earlier ones."""
    from precompute.unit_labels import import_unit_labels, label_source, read_label_folder
    from store.db import StoreFormatError
    from store.writer import StoreWriter

    try:
        done = import_unit_labels(StoreWriter(store), model, read_label_folder(folder), label_source(source))
    except (KeyError, ValueError, StoreFormatError) as error:
        _fail(error)
    typer.echo(done.describe(model))


def check(
    store: Annotated[Path, typer.Option(envvar="MICROSCOPE_STORE", help="Store folder.")] = Path("var/store"),
    hashes: Annotated[bool, typer.Option(help="Also re-hash every image file.")] = False,
) -> None:
    """Check a store's integrity: every unit present once, every finished stage complete, every file there."""
    from store.db import StoreFormatError
    from store.integrity import check_store

    try:
        report = check_store(store, verify_hashes=hashes)
    except StoreFormatError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(", ".join(f"{count} {name}" for name, count in report.counts.items()))
    for note in report.notes:
        typer.echo(f"note: {note}")
    for problem in report.problems:
        typer.secho(f"problem: {problem}", fg=typer.colors.RED, err=True)
    typer.echo("ok" if report.ok else f"{len(report.problems)} problems")
    if not report.ok:
        raise typer.Exit(1)
