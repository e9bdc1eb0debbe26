"""Feature-vis quality on the demo network: each channel image against its unit's best held-out image, and under
random ±10 % shifts, ±10° turns and 0.9–1.1 zooms (`precompute.vis_quality`). Prints the distributions.

The images are rendered exactly as `microscope demo` renders them (its steps, schedule, pre-ReLU objective,
upscale); the dataset is the demo's held-out stimuli (300 per shape family), generated in memory.

Run from the repository root (about two minutes on a 2-core CPU):
    python bench/vis_quality.py --units mixed3b:128-159 --units mixed4b:384-447
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from precompute.vis_quality import VisQuality, demo_dataset, demo_quality, quantiles  # noqa: E402

DEFAULT_UNITS = ("mixed3b:128-159", "mixed4b:384-447")  # the 5×5 branches (4b:409 among them)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", action="append", help="layer:first-last (repeatable); default: the 5×5 branches")
    parser.add_argument("--steps", type=int, default=None, help="render steps (default: the demo's)")
    parser.add_argument("--draws", type=int, default=8, help="random transforms per image")
    parser.add_argument("--seed", type=int, default=None, help="render seed (default: the demo's)")
    return parser.parse_args(argv)


def report(name: str, quality: VisQuality) -> None:
    over, kept = quality.over_dataset, quality.kept
    worst = kept.min(1).values
    print(f"{name}: {len(quality.units)} units")
    peak = quality.peak_over_dataset
    print(f"  image / best dataset image (means):    {quantiles(over)}   (units ≥ 1: {(over >= 1).sum()})")
    print(f"  the same, peaks (as the unit page):    {quantiles(peak)}   (units ≥ 1: {(peak >= 1).sum()})")
    print(f"  kept under a random transform (all):   {quantiles(kept)}")
    print(f"  kept, worst of each unit's draws:      {quantiles(worst)}   (units ≥ 0.5: {(worst >= 0.5).sum()})")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    dataset = demo_dataset()
    print(f"threads={torch.get_num_threads()} torch={torch.__version__} held-out images: {dataset.images}")
    for spec in args.units or DEFAULT_UNITS:
        layer, _, span = spec.partition(":")
        first, _, last = span.partition("-")
        units = list(range(int(first), int(last or first) + 1))
        quality = demo_quality(dataset, layer, units, steps=args.steps, draws=args.draws, seed=args.seed)
        report(spec, quality)
    print(f"seconds={time.perf_counter() - start:.0f}")


if __name__ == "__main__":
    main()
