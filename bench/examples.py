"""The dataset-examples pass against plain batched inference of the same model over the same images.

In one process, over the same images, batch size, image loading and resizing (precompute.examples.batches):

- **ours**: `precompute.examples.collect_examples` on the model's default layers — top-K, bottom-K, every peak
  kept for the quantile samples, sums and extremes — then `precompute.activation_range.finish` (quantile picks,
  histograms, statistics). Crops and activation maps are not counted: they come after the pass.
- **plain**: the model called on each normalized batch under `torch.no_grad()`, nothing kept.

Each side is warmed up on one batch, then the two are timed in turns (plain, ours, plain, ours, …) and the faster
of the runs of each side counts. The last line is `throughput_ratio=<ours/plain>` (images per second).

    python bench/examples.py --model examples/cards/googlenet-cifar10.toml --images ../shared/data/cifar10/test
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import torch

from precompute.activation_range import DEFAULT_QUANTILES, finish
from precompute.examples import batches, collect_examples
from precompute.images import DatasetImage, scan_images
from precompute.layers import probe_layers
from precompute.threads import use_threads
from precompute.zoo import LoadedModel, load_model


@torch.no_grad()
def plain(model: LoadedModel, images: Sequence[DatasetImage], batch_size: int, device: str) -> None:
    """Batched inference over the images, the same loading as ours, nothing kept."""
    for _start, batch, _sizes in batches(images, model.input.size, batch_size):
        model.module(model.input.normalize(batch.to(device)))


def ours(model: LoadedModel, layers: list, images: Sequence[DatasetImage], args: argparse.Namespace) -> int:
    """The examples pass with range bookkeeping and its finish; returns the bytes the trackers held."""
    found = collect_examples(
        model, layers, images, top_k=args.top_k, bottom_k=args.top_k, batch_size=args.batch, device=args.device
    )
    for tracker in found.ranges.values():
        finish(tracker, DEFAULT_QUANTILES, 32)
    return sum(tracker.nbytes for tracker in found.ranges.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="examples/cards/googlenet-cifar10.toml")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--images", default="../shared/data/cifar10/test")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--top-k", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each side (the fastest counts)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    print(f"threads: {use_threads(args.threads)}")
    model = load_model(args.model, args.weights)
    model.module.to(args.device).eval()
    layers = probe_layers(model)
    images = scan_images(args.images, args.max_images)
    print(f"{model.id}: {len(layers)} layers, {sum(layer.units for layer in layers)} units; {len(images)} images")
    plain(model, images[: args.batch], args.batch, args.device)  # warm-up: first-call allocations, file cache
    ours(model, layers, images[: args.batch], args)
    best = {"plain": float("inf"), "ours": float("inf")}
    for _ in range(args.repeats):
        start = time.perf_counter()
        plain(model, images, args.batch, args.device)
        best["plain"] = min(best["plain"], time.perf_counter() - start)
        start = time.perf_counter()
        held = ours(model, layers, images, args)
        best["ours"] = min(best["ours"], time.perf_counter() - start)
    for side, seconds in best.items():
        print(f"{side}: {seconds:.1f} s, {len(images) / seconds:.1f} images/s")
    print(f"range trackers held {held / 1e6:.1f} MB (float16 peaks: 2 bytes × images × units)")
    print(f"throughput_ratio={best['plain'] / best['ours']:.3f}")


if __name__ == "__main__":
    main()
