"""The dataset-examples pass against plain batched inference of the same model over the same images.

In one process, over the same images, batch size, image loading and resizing (precompute.examples.batches):

- **ours**: `precompute.examples.ExamplePass` on the model's default layers (as `collect_examples` runs it): per
  batch the top-K, the bottom-K, every peak kept for the quantile samples, sums and extremes; at the end
  `precompute.activation_range.finish` (quantile picks, histograms, statistics). Crops and activation maps come
  after the pass and are not counted.
- **plain**: the model called on each normalized batch under `torch.no_grad()`, nothing kept.

The two sides take turns batch by batch (load and run a batch for plain, then the same batch for ours, each timed
with its loading), so a machine shared with other work slows both alike; each side is warmed up on one batch first.
The last line is `throughput_ratio=<ours/plain>` (images per second).

    python bench/examples.py --model examples/models/googlenet-cifar10.toml --images ../shared/data/cifar10/test
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import torch

from precompute.activation_range import DEFAULT_QUANTILES, finish
from precompute.examples import ExamplePass, batches
from precompute.images import DatasetImage, scan_images
from precompute.layers import probe_layers
from precompute.threads import use_threads
from precompute.zoo import LoadedModel, load_model


def interleaved(
    model: LoadedModel, images: Sequence[DatasetImage], args: argparse.Namespace
) -> tuple[float, float, int]:
    """Seconds of plain and of ours over the images, batch by batch in turns, and the bytes ours held."""
    layers = probe_layers(model)
    plain_batches = batches(images, model.input.size, args.batch)
    our_batches = batches(images, model.input.size, args.batch)
    plain_s = ours_s = 0.0
    options = {"top_k": args.top_k, "bottom_k": args.top_k, "device": args.device}
    run = ExamplePass(model, layers, len(images), **options)
    with torch.no_grad():
        for _ in range(0, len(images), args.batch):
            start = time.perf_counter()
            _offset, batch, _sizes = next(plain_batches)
            model.module(model.input.normalize(batch.to(args.device)))
            plain_s += time.perf_counter() - start
            start = time.perf_counter()
            offset, batch, _sizes = next(our_batches)
            run.step(offset, batch)
            ours_s += time.perf_counter() - start
        start = time.perf_counter()
        for tracker in run.ranges.values():
            finish(tracker, DEFAULT_QUANTILES, 32)
        ours_s += time.perf_counter() - start
    return plain_s, ours_s, sum(tracker.nbytes for tracker in run.ranges.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="examples/models/googlenet-cifar10.toml")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--images", default="../shared/data/cifar10/test")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--top-k", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    print(f"threads: {use_threads(args.threads)}")
    model = load_model(args.model, args.weights)
    model.module.to(args.device).eval()
    images = scan_images(args.images, args.max_images)
    layers = probe_layers(model)
    print(f"{model.id}: {len(layers)} layers, {sum(layer.units for layer in layers)} units; {len(images)} images")
    interleaved(model, images[: args.batch], args)  # warm-up: first-call allocations, file cache
    plain_s, ours_s, held = interleaved(model, images, args)
    best = {"plain": plain_s, "ours": ours_s}
    for side, seconds in best.items():
        print(f"{side}: {seconds:.1f} s, {len(images) / seconds:.1f} images/s")
    print(f"range trackers held {held / 1e6:.1f} MB (float16 peaks: 2 bytes × images × units)")
    print(f"throughput_ratio={plain_s / ours_s:.3f}")


if __name__ == "__main__":
    main()
