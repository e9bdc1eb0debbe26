"""Time to quality: how long our engine needs to reach the objective Lucent reaches in 512 steps, at equal image size.

In one process, on the same model, weights, units and image size:
1. Lucent renders units 0..K-1 of the layer with its defaults (512 steps, Adam 0.05, Fourier, standard transforms),
   one `render_vis` call per unit, at `fixed_image_size=size` (no upsampling to 224 px: equal size). Its wall time is
   the baseline, and the mean of its final activations is the target.
2. Ours renders the same K units as one batch with the given schedule, for each step count of a ladder (shortest
   first), until the mean final activation reaches the target. Its wall time at that step count is ours.

Both sides' images are scored the same way (bench/featurevis.py's `final_activation`: our LayerTap, the channel
mean of the layer's output, no transforms, at the rendered size). Both optimize the layer's output (the objective
Lucent can express); the precompute's pre-ReLU reading is not used here. The last line is
`time_to_quality_ratio=<Lucent s / ours s> steps=<ours> objective_ratio=<ours / target>`.

Run from the repository root (Lucent installed as bench/README.md says):
    python bench/time_to_quality.py --model googlenet --weights ../shared/weights/googlenet-cifar10.pt \
        --layer inception4b --units 8 --size 128
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/featurevis.py's helpers
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from featurevis import (  # noqa: E402
    WARMUP_STEPS,
    Wrapped,
    add_model_args,
    final_activation,
    import_lucent,
    render_lucent,
    timed,
)

from precompute.config import PrecomputeConfig  # noqa: E402
from precompute.optvis import Renderer, RenderSettings, channel  # noqa: E402
from precompute.zoo import load_model  # noqa: E402

LUCENT_STEPS = 512
LADDER = (32, 48, 64, 96, 128, 192, 256, 384, 512)
PRECOMPUTE = PrecomputeConfig.__pydantic_fields__  # type: ignore[attr-defined]  # ours: the precompute's defaults


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_args(parser)
    parser.add_argument("--lr", type=float, default=PRECOMPUTE["lr"].default, help="our (peak) learning rate")
    parser.add_argument(
        "--schedule", choices=("constant", "cosine"), default=PRECOMPUTE["lr_schedule"].default, help="our lr schedule"
    )
    parser.add_argument("--ladder", default=",".join(map(str, LADDER)), help="our step counts to try, ascending")
    parser.add_argument("--seed", type=int, default=0, help="random seed: our batch's; Lucent's unit u uses seed+u")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if torch.cuda.is_available():
        raise SystemExit("this bench is for the CPU; Lucent would put its images on cuda:0 here")
    lucent = import_lucent()
    loaded = load_model(args.model, args.weights)
    model = Wrapped(loaded.input.normalize, loaded.module).eval()
    ours_layer, lucent_layer = f"net.{args.layer}", f"net_{args.layer.replace('.', '_')}"
    if lucent_layer not in lucent[4](model):
        raise SystemExit(f"Lucent has no layer {lucent_layer!r} in this model")
    units = list(range(args.units))
    renderer = Renderer(model, lambda x: x, device="cpu", layers=[ours_layer])

    def ours(steps: int) -> torch.Tensor:
        settings = RenderSettings(
            steps=steps, size=args.size, lr=args.lr, lr_schedule=args.schedule, seed=args.seed, tensor="output"
        )
        return renderer.render(channel(ours_layer, units), len(units), settings).images

    ours(WARMUP_STEPS)
    render_lucent(lucent, model, lucent_layer, units[:1], WARMUP_STEPS, args.size, args.size, args.seed)
    lucent_images, lucent_s = timed(
        lambda: render_lucent(lucent, model, lucent_layer, units, LUCENT_STEPS, args.size, args.size, args.seed), "cpu"
    )
    lucent_act = final_activation(model, ours_layer, units, lucent_images, "cpu")
    target = lucent_act.mean().item()
    print(
        f"model={loaded.id} layer={args.layer} units=0..{args.units - 1} size={args.size} "
        f"threads={torch.get_num_threads()} torch={torch.__version__} ours: lr={args.lr} schedule={args.schedule}"
    )
    print(f"lucent: {LUCENT_STEPS} steps, {lucent_s:.1f} s, mean activation {target:.3f} (the target)")
    print(f"{'ours steps':>10} {'wall s':>8} {'mean act':>9} {'reached':>8}")
    reached = None
    for steps in (int(s) for s in args.ladder.split(",")):
        images, seconds = timed(lambda steps=steps: ours(steps), "cpu")
        act = final_activation(model, ours_layer, units, images, "cpu").mean().item()
        print(f"{steps:>10} {seconds:>8.1f} {act:>9.3f} {'yes' if act >= target else 'no':>8}", flush=True)
        if act >= target:
            reached = (steps, seconds, act)
            break
    if reached is None:
        print("time_to_quality_ratio=0 (ours never reached Lucent's objective on this ladder)")
        return
    steps, seconds, act = reached
    print(f"time_to_quality_ratio={lucent_s / seconds:.2f} steps={steps} objective_ratio={act / target:.2f}")


if __name__ == "__main__":
    main()
