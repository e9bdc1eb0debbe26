"""Full weight tensors between consecutive layers: their size and the time to compute them, batched vs one unit.

For each consecutive pair of the model's default layers it computes the whole tensor W[out, in, kh, kw] the way
`microscope precompute` does (precompute.connections.expanded_weights: one backward pass through the linearized
network serves a batch of output units), and prints its shape, its size as stored (float16 .npy) and the seconds.
Beside each pair it times the plain way on a few units in the same process — one zero image per output unit, a
batch of them per backward pass — and prints the speed-up of packing many units' kernels side by side into each
image (precompute.packed_weights), which `precompute` uses wherever the map allows.

    python bench/weights.py --model inceptionv1 --weights ../shared/data/inceptionv1/oracle-weights-fp16.pt

Run it alone: two torch processes on a 2-core machine slow each other several times.
"""

from __future__ import annotations

import argparse
import time

import torch

from precompute.connections import _gradients, expanded_weights
from precompute.layers import probe_layers
from precompute.threads import use_threads
from precompute.zoo import load_model
from store import tensors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="inceptionv1")
    parser.add_argument("--weights", default=None, help="weights file (default: the model's own download)")
    parser.add_argument("--layers", default=None, help="comma-separated layers (default: the model's defaults)")
    parser.add_argument("--batch", type=int, default=64, help="output units per backward pass")
    parser.add_argument("--baseline-units", type=int, default=16, help="units the plain way is timed on")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    print(f"threads: {use_threads(args.threads)}")
    model = load_model(args.model, args.weights)
    model.module.to(args.device)
    layers = probe_layers(model, args.layers.split(",") if args.layers else None)
    by_name = {layer.name: layer for layer in layers}
    pairs = [(by_name[layer.previous], layer) for layer in layers if layer.previous in by_name]
    total_bytes, total_s, total_plain = 0, 0.0, 0.0
    print(f"{'pair':<28} {'shape (out, in, kh, kw)':<24} {'fp16 MB':>8} {'seconds':>8} {'plain s':>8} {'speedup':>8}")
    for src, dst in pairs:
        start = time.perf_counter()
        expanded = expanded_weights(model, src, dst, batch_size=args.batch, device=args.device)
        seconds = time.perf_counter() - start
        plain = _plain_seconds(model, src, dst, args.baseline_units, args.device)
        size = len(tensors.encode(expanded.kernels.half().numpy()))
        total_bytes, total_s, total_plain = total_bytes + size, total_s + seconds, total_plain + plain
        shape = "×".join(map(str, expanded.kernels.shape))
        pair = f"{src.name} → {dst.name}"
        print(
            f"{pair:<28} {shape:<24} {size / 1e6:8.1f} {seconds:8.1f} {plain:8.1f} {plain / seconds:8.1f}", flush=True
        )
    print(f"total: {len(pairs)} pairs, {total_bytes / 1e6:.1f} MB as float16 .npy, {total_s:.0f} s on {args.device}")
    print(f"plain_seconds={total_plain:.0f} packed_seconds={total_s:.0f} speedup={total_plain / total_s:.1f}")


def _plain_seconds(model, src, dst, units: int, device: str) -> float:  # noqa: ANN001
    """The plain way's time for every unit of `dst`, extrapolated from `units` of them in one batch."""
    few = min(units, dst.units)
    start = time.perf_counter()
    _gradients(model, src.name, dst.name, torch.arange(few), device)
    return (time.perf_counter() - start) / few * dst.units


if __name__ == "__main__":
    main()
