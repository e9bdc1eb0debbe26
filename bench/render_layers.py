"""Channel visualizations of every unit of some layers with our engine: units per second and the projected total.

Issue 4's GPU bar: every unit of InceptionV1's mixed3a … mixed5b (5,484 units) at 512 steps in under 3 minutes.
The render cost does not depend on the weights' values, so the oracle weights in ../shared stand in for the
real ones. By default only the first batch of each layer is rendered and the total is projected from it; `--all`
renders everything.

Run from the repository root, on a GPU:
    python bench/render_layers.py --model inceptionv1 \
        --weights ../shared/data/inceptionv1/oracle-weights-fp16.pt --steps 512 --batch 128 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from precompute.layers import probe_layers  # noqa: E402
from precompute.optvis import Renderer, RenderSettings, channel  # noqa: E402
from precompute.optvis.render import auto_precision  # noqa: E402
from precompute.zoo import load_model  # noqa: E402

INCEPTION_LAYERS = "mixed3a,mixed3b,mixed4a,mixed4b,mixed4c,mixed4d,mixed4e,mixed5a,mixed5b"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="inceptionv1", help="zoo id or model card (.toml)")
    parser.add_argument("--weights", default=None, help="weights file replacing the model's default weights")
    parser.add_argument("--layers", default=INCEPTION_LAYERS, help="comma-separated layers to render")
    parser.add_argument("--steps", type=int, default=512, help="optimization steps per image")
    parser.add_argument("--size", type=int, default=None, help="image side in px (default: the model's)")
    parser.add_argument("--batch", type=int, default=128, help="units optimized together")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="default: bf16 on CUDA")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--all", action="store_true", help="render every unit instead of one batch per layer")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda but CUDA is not available")
    precision = args.precision or auto_precision(args.device)
    loaded = load_model(args.model, args.weights)
    names = [name.strip() for name in args.layers.split(",") if name.strip()]
    layers = probe_layers(loaded, names)
    settings = RenderSettings(steps=args.steps, size=args.size or loaded.vis_size, precision=precision)
    renderer = Renderer(loaded.module, loaded.input.normalize, device=args.device, layers=names)
    renderer.render(channel(names[0], [0]), 1, RenderSettings(steps=2, size=settings.size, precision=precision))
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else f"cpu x{torch.get_num_threads()}"
    print(f"model={loaded.id} steps={args.steps} size={settings.size} batch={args.batch} precision={precision}")
    print(f"device={device_name} torch={torch.__version__}")
    print(f"{'layer':<10} {'units':>6} {'rendered':>9} {'seconds':>8} {'units/s':>8} {'projected s':>12}")
    total_units, projected = 0, 0.0
    for layer in layers:
        batches = range(0, layer.units, args.batch) if args.all else range(0, min(args.batch, layer.units), args.batch)
        start = time.perf_counter()
        rendered = 0
        for first in batches:
            units = list(range(first, min(first + args.batch, layer.units)))
            renderer.render(channel(layer.name, units), len(units), settings)
            rendered += len(units)
        if args.device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        rate = rendered / seconds
        total_units += layer.units
        projected += layer.units / rate
        row = f"{layer.name:<10} {layer.units:>6} {rendered:>9} {seconds:>8.2f} {rate:>8.2f}"
        print(f"{row} {layer.units / rate:>12.1f}")
    print(f"units={total_units} projected_seconds={projected:.1f} units_per_s={total_units / projected:.2f}")


if __name__ == "__main__":
    main()
