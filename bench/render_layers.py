"""Channel visualizations of every unit of some layers with our engine: units per second and the projected total.

Issue 4's GPU bar: every unit of InceptionV1's mixed3a … mixed5b (5,484 units) at 512 steps in under 3 minutes.
The render cost does not depend on the weights' values, so the oracle weights in ../shared stand in for the
real ones. By default only the first batch of each layer is rendered and the total is projected from it; `--all`
renders everything.

The renderer runs a traced graph cut after the layer (no exception raised from a hook), which `--compile` puts
through `torch.compile` (on by default on CUDA, where it adds CUDA graphs). `--compare` renders every batch both
eager and compiled from the same seed and prints both rates and the largest pixel difference.

Run from the repository root, on a GPU:
    python bench/render_layers.py --model inceptionv1 \
        --weights ../shared/data/inceptionv1/oracle-weights-fp16.pt --steps 512 --batch 128 --device cuda
    python bench/render_layers.py --model googlenet --weights ../shared/weights/googlenet-cifar10.pt \
        --layers inception3a,inception4b,inception5b --size 224 --steps 512 --batch 128 --device cuda
On a CPU, eager against compiled:
    python bench/render_layers.py --model googlenet --weights ../shared/weights/googlenet-cifar10.pt \
        --layers inception4b --size 128 --steps 16 --batch 8 --device cpu --compare
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
    parser.add_argument("--model", default="inceptionv1", help="zoo id or model spec (.toml)")
    parser.add_argument("--weights", default=None, help="weights file replacing the model's default weights")
    parser.add_argument("--layers", default=INCEPTION_LAYERS, help="comma-separated layers to render")
    parser.add_argument("--steps", type=int, default=512, help="optimization steps per image")
    parser.add_argument("--size", type=int, default=None, help="image side in px (default: the model's)")
    parser.add_argument("--batch", type=int, default=128, help="units optimized together")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="default: bf16 on CUDA")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--all", action="store_true", help="render every unit instead of one batch per layer")
    parser.add_argument(
        "--compile", action=argparse.BooleanOptionalAction, default=None, help="torch.compile (default: on CUDA)"
    )
    parser.add_argument("--compare", action="store_true", help="also render eager and compare rates and images")
    return parser.parse_args(argv)


def timed_render(renderer: Renderer, layer: str, units: list[int], settings: RenderSettings, device: str) -> tuple:
    """(images, seconds) of one batch, the device synchronized."""
    start = time.perf_counter()
    images = renderer.render(channel(layer, units), len(units), settings).images
    if device == "cuda":
        torch.cuda.synchronize()
    return images, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda but CUDA is not available")
    precision = args.precision or auto_precision(args.device)
    loaded = load_model(args.model, args.weights)
    names = [name.strip() for name in args.layers.split(",") if name.strip()]
    layers = probe_layers(loaded, names)
    compiled = args.device == "cuda" if args.compile is None else args.compile
    settings = RenderSettings(
        steps=args.steps, size=args.size or loaded.vis_size, precision=precision, lr=0.2, lr_schedule="cosine"
    )
    renderer = Renderer(loaded.module, loaded.input.normalize, device=args.device, layers=names, compile=compiled)
    eager = Renderer(loaded.module, loaded.input.normalize, device=args.device, layers=names) if args.compare else None
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else f"cpu x{torch.get_num_threads()}"
    print(f"model={loaded.id} steps={args.steps} size={settings.size} batch={args.batch} precision={precision}")
    print(f"device={device_name} torch={torch.__version__} compile={compiled}")
    head = (
        f"{'layer':<18} {'units':>6} {'rendered':>9} {'warm-up s':>9} {'seconds':>8} {'units/s':>8} {'projected s':>12}"
    )
    print(head + (f" {'eager units/s':>13} {'max |diff|':>10}" if eager else ""))
    total_units, projected = 0, 0.0
    for layer in layers:
        batches = range(0, layer.units, args.batch) if args.all else range(0, min(args.batch, layer.units), args.batch)
        first_units = list(range(min(args.batch, layer.units)))
        # Past the redirected steps, so both graphs (redirected, plain) are made and compiled, if compiling.
        warm = RenderSettings(**{**settings.as_dict(), "steps": settings.redirect_steps + 2})
        _, warmup = timed_render(renderer, layer.name, first_units, warm, args.device)
        seconds, rendered, eager_seconds, diff = 0.0, 0, 0.0, 0.0
        for first in batches:
            units = list(range(first, min(first + args.batch, layer.units)))
            images, spent = timed_render(renderer, layer.name, units, settings, args.device)
            seconds, rendered = seconds + spent, rendered + len(units)
            if eager is not None:
                timed_render(eager, layer.name, units, warm, args.device)
                reference, spent = timed_render(eager, layer.name, units, settings, args.device)
                eager_seconds += spent
                diff = max(diff, (images - reference).abs().max().item())
        rate = rendered / seconds
        total_units += layer.units
        projected += layer.units / rate
        row = f"{layer.name:<18} {layer.units:>6} {rendered:>9} {warmup:>9.1f} {seconds:>8.2f} {rate:>8.2f}"
        print(
            f"{row} {layer.units / rate:>12.1f}"
            + (f" {rendered / eager_seconds:>13.2f} {diff:>10.2e}" if eager else "")
        )
    print(f"units={total_units} projected_seconds={projected:.1f} units_per_s={total_units / projected:.2f}")


if __name__ == "__main__":
    main()
