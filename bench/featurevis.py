"""Feature-visualization benchmark: our engine (`render_units`) against Lucent (`render_vis`), one process.

Both sides render channel visualizations of the same units of the same layer, same model and weights, same
steps and image size. Ours renders all K units as one batch; Lucent renders one unit per call (its only way).
Each side is timed by wall clock after a 2-step warm-up, and each side's final images are scored the same way:
through our `LayerTap` on the same wrapped model, no transforms, at the rendered size.

Run from the repository root:
    python bench/featurevis.py --model googlenet --weights ../shared/weights/googlenet-cifar10.pt \
        --layer inception4b --units 8 --steps 64 --size 128 --device cpu
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from precompute.hooks import LayerTap  # noqa: E402
from precompute.optvis import RenderSettings, channel, render_units  # noqa: E402
from precompute.zoo import load_model  # noqa: E402

WARMUP_STEPS = 2


class Normalize(nn.Module):
    """The model's input normalization as a module, so Lucent (which owns the forward call) sees it too."""

    def __init__(self, fn: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x01: Tensor) -> Tensor:
        return self.fn(x01)


class Wrapped(nn.Module):
    """RGB in [0, 1] → normalization → network. Our layer `net.<L>` is Lucent's `net_<L>`."""

    def __init__(self, normalize: Callable[[Tensor], Tensor], net: nn.Module) -> None:
        super().__init__()
        self.norm = Normalize(normalize)
        self.net = net

    def forward(self, x01: Tensor) -> Tensor:
        return self.net(self.norm(x01))


def import_lucent() -> tuple[Any, Any, Any, Any, Callable[[nn.Module], list[str]]]:
    """Lucent's render, objectives, param and transform modules and get_model_layers; SystemExit if missing."""
    try:
        from lucent.modelzoo.util import get_model_layers
        from lucent.optvis import objectives, param, render, transform
    except ImportError as err:
        raise SystemExit(
            f"Lucent is not importable ({err}).\n"
            "Install it without letting pip touch torch: pip install --no-deps torch-lucent 'kornia==0.4.1'\n"
            "(pip install torch-lucent; see bench/README.md)"
        ) from None
    return render, objectives, param, transform, get_model_layers


def clear_forward_hooks(model: nn.Module) -> None:
    """Remove every forward hook: Lucent registers one on each module per call and never removes them."""
    for module in model.modules():
        module._forward_hooks.clear()


def render_ours(
    model: nn.Module, layer: str, units: list[int], steps: int, size: int, device: str, seed: int
) -> Tensor:
    """Our engine: all units in one batch. Returns (K, 3, size, size) images in [0, 1] on the CPU."""
    settings = RenderSettings(steps=steps, size=size, seed=seed)
    return render_units(model, lambda x: x, layer, units, settings, device=device).images


def render_lucent(
    lucent: tuple[Any, ...],
    model: nn.Module,
    layer: str,
    units: list[int],
    steps: int,
    size: int,
    lucent_size: int | None,
    seed: int,
) -> Tensor:
    """Lucent: one render_vis call per unit, its standard transforms, hooks cleared after each call."""
    render, objectives, param, transform, _ = lucent
    images = []
    for unit in units:
        torch.manual_seed(seed + unit)
        np.random.seed(seed + unit)
        result = render.render_vis(
            model,
            objectives.channel(layer, unit),
            param_f=lambda: param.image(size),
            transforms=list(transform.standard_transforms),
            thresholds=(steps,),
            preprocess=False,  # the wrapper normalizes, as on our side (Lucent's would add ImageNet's)
            show_image=False,
            progress=False,
            fixed_image_size=lucent_size,
        )
        clear_forward_hooks(model)
        images.append(torch.from_numpy(np.ascontiguousarray(result[-1])).permute(0, 3, 1, 2))
    return torch.cat(images)


def final_activation(model: nn.Module, layer: str, units: list[int], images: Tensor, device: str) -> Tensor:
    """The channel objective of item b for unit units[b], at the images' own size, no transforms."""
    objective = channel(layer, units)
    with torch.no_grad(), LayerTap(model, [layer]) as tap:
        return objective(tap.run(images.to(device).float())).cpu()


def timed(fn: Callable[[], Tensor], device: str) -> tuple[Tensor, float]:
    """fn()'s result and its wall-clock seconds (device synchronized)."""
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """The options both engine-against-Lucent benches take: model, weights, layer, units, image size."""
    parser.add_argument("--model", default="googlenet", help="zoo id or model spec (.toml) for load_model")
    parser.add_argument("--weights", default=None, help="weights file replacing the model's default weights")
    parser.add_argument("--layer", default="inception4b", help="layer to visualize, as our zoo names it")
    parser.add_argument("--units", type=int, default=8, help="render units 0..K-1 of the layer")
    parser.add_argument("--size", type=int, default=128, help="image side in pixels, both sides")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_args(parser)
    parser.add_argument("--steps", type=int, default=64, help="optimization steps per image, both sides")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="device for both sides")
    parser.add_argument("--seed", type=int, default=0, help="random seed: our batch's; Lucent's unit u uses seed+u")
    parser.add_argument(
        "--lucent-units",
        type=int,
        default=None,
        help="Lucent renders only units 0..N-1 of the K (its rate is per unit; a GPU batch of K=256 would take "
        "Lucent half an hour); default: all K",
    )
    parser.add_argument(
        "--lucent-size",
        type=int,
        default=None,
        help="Lucent's fixed_image_size; default: Lucent's own choice (upsample inputs < 224 px to 224)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    lucent = import_lucent()
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda but CUDA is not available")
    if args.device == "cpu" and torch.cuda.is_available():
        raise SystemExit("Lucent always puts its images on cuda:0 when CUDA exists: use --device cuda here")
    loaded = load_model(args.model, args.weights)
    model = Wrapped(loaded.input.normalize, loaded.module).to(args.device).eval()
    ours_layer = f"net.{args.layer}"
    lucent_layer = f"net_{args.layer.replace('.', '_')}"
    if lucent_layer not in lucent[4](model):
        raise SystemExit(f"Lucent has no layer {lucent_layer!r} in this model")
    units = list(range(args.units))
    lucent_units = units[: args.lucent_units or args.units]

    def ours(steps: int) -> Tensor:
        return render_ours(model, ours_layer, units, steps, args.size, args.device, args.seed)

    def theirs(steps: int) -> Tensor:
        return render_lucent(lucent, model, lucent_layer, lucent_units, steps, args.size, args.lucent_size, args.seed)

    ours(WARMUP_STEPS)
    theirs(WARMUP_STEPS)
    ours_images, ours_s = timed(lambda: ours(args.steps), args.device)
    lucent_images, lucent_s = timed(lambda: theirs(args.steps), args.device)
    ours_act = final_activation(model, ours_layer, units, ours_images, args.device)
    lucent_act = final_activation(model, ours_layer, lucent_units, lucent_images, args.device)
    shared = len(lucent_units)

    print(
        f"model={loaded.id} layer={args.layer} units=0..{args.units - 1} steps={args.steps} size={args.size} "
        f"device={args.device} threads={torch.get_num_threads()} torch={torch.__version__}"
    )
    print(f"{'unit':>6} {'ours act':>10} {'lucent act':>11}")
    for unit, a, b in zip(lucent_units, ours_act.tolist(), lucent_act.tolist(), strict=False):
        print(f"{unit:>6} {a:>10.3f} {b:>11.3f}")
    print(f"{'side':<8} {'units':>6} {'wall s':>8} {'units/s':>9} {'ms/step/unit':>13} {'mean act':>9}")
    for name, count, secs, act in (("ours", len(units), ours_s, ours_act), ("lucent", shared, lucent_s, lucent_act)):
        per_step = 1000 * secs / (args.steps * count)
        row = f"{name:<8} {count:>6} {secs:>8.2f} {count / secs:>9.3f} {per_step:>13.1f}"
        print(f"{row} {act[:shared].mean().item():>9.3f}")
    speed_ratio = (len(units) / ours_s) / (shared / lucent_s)
    # Mean final activation over the units both sides rendered.
    objective_ratio = ours_act[:shared].mean().item() / lucent_act.mean().item()
    print(f"units_per_s_ratio={speed_ratio:.2f} objective_ratio={objective_ratio:.2f}")


if __name__ == "__main__":
    main()
