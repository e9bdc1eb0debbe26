"""`microscope demo`: stimuli → the demo networks (shipped, or retrained) → every view precomputed into a store.

Needs no network and no GPU. Re-running reuses the stimuli, the weights and whatever the store already holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from precompute.config import PRESETS, PrecomputeConfig
from precompute.demo.train import HELDOUT_PER_CLASS, HELDOUT_SEED, NETWORKS, evaluate, make_data, train
from precompute.pipeline import PrecomputeSummary, run_precompute
from precompute.stimuli import write_dataset
from precompute.threads import available_cpus, threads_line, use_threads
from precompute.zoo import load_model
from precompute.zoo.demo_net import INPUT, MODEL_ID

DEMO_STEPS: int = PRESETS["demo"]["steps"]  # the demo preset's (precompute.config): --steps changes it
# Neuron, negative and diversity images for mixed4b's 5×5 branch (4b:409 among them): for every unit they would
# take the demo from minutes to half an hour on two CPU cores. Every unit still gets its channel visualization.
# The layers whose families the pages show get neuron (centre) images for every unit (any unit may rank in a family):
# a curve unit's channel image tiles its curve into a texture, the neuron image draws one (family tiles prefer it,
# app.pictures). A neuron image costs about what a channel image does, so these 576 add about 1.5 minutes.
FAMILY_LAYERS = ("mixed3a", "mixed3b", "mixed4a")
DEMO_EXTRAS = ("mixed4b:384-447", *(f"neuron@{layer}" for layer in FAMILY_LAYERS))


@dataclass(frozen=True)
class DemoConfig:
    """What `microscope demo` builds; every default is the command's."""

    store: Path = Path("var/demo")  # the store folder; the stimuli go in its `stimuli/` folder
    db: str | None = None  # the store's database URL, if not the store folder's
    assets: Path | None = None  # the store's asset folder, if not the store folder's
    steps: int = DEMO_STEPS
    retrain: bool = False  # train the networks here (minutes) instead of loading the shipped weights
    progress: bool = True
    threads: int | None = None  # CPU threads torch uses (None: every core; the demo runs alone)


def stimuli_dir(store: Path) -> Path:
    """Where the demo keeps its generated images."""
    return Path(store) / "stimuli"


def run_demo(config: DemoConfig, echo: Callable[[str], None] = print) -> list[PrecomputeSummary]:
    """Build the demo store, printing each step; returns what the precompute did for each network."""
    threads = use_threads(config.threads or available_cpus())  # before any work: training uses torch too
    echo(threads_line(threads))
    data = stimuli_dir(config.store)
    weights: dict[str, Path] = {}
    if config.retrain or not all(net.weights.is_file() for net in NETWORKS.values()):
        echo(f"training {', '.join(NETWORKS)} on generated stimuli in {data} (minutes)…")
        make_data(data, progress=config.progress)
        for net in NETWORKS.values():
            weights[net.id] = data / f"{net.id}.pt"
            train(data, weights[net.id], model_id=net.id, progress=config.progress)
    echo(f"generating held-out stimuli in {data / 'heldout'}…")
    heldout = write_dataset(
        data / "heldout", HELDOUT_PER_CLASS, HELDOUT_SEED, size=INPUT.size, progress=config.progress
    )
    return [_precompute(config, net, weights.get(net), heldout, threads, echo) for net in NETWORKS]


def _precompute(
    config: DemoConfig, model_id: str, weights: Path | None, heldout: Path, threads: int, echo: Callable[[str], None]
) -> PrecomputeSummary:
    """One demo network: its held-out accuracy, then every view of every unit into the store."""
    model = load_model(model_id, weights)
    accuracy = evaluate(model.module, heldout)
    echo(f"{model_id}: held-out accuracy {accuracy:.1%} on {HELDOUT_PER_CLASS} images per class")
    precompute = PrecomputeConfig.preset(
        "demo",
        model=model_id,
        store=Path(config.store),
        db=config.db,
        assets=config.assets,
        weights=weights,
        images=heldout,
        steps=config.steps,
        extras=DEMO_EXTRAS if model_id == MODEL_ID else (),
        experiments=model_id == MODEL_ID,  # the specimen's: the second network would cost a minute more
        progress=config.progress,
        threads=threads,
    )
    echo(f"precomputing every unit of {len(model.layers)} layers of {model_id} into {precompute.location}…")
    return run_precompute(precompute)
