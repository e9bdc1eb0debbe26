"""Do the demo's curve units keep their stored orientation on arcs drawn by another hand?

The stored `orientation` of a unit is measured on the project's own curve stimuli (precompute.tuning_stimuli), and
the curve-detectors finding checks it on four more renderings of them. Both come from `precompute.stimuli`. Here the
arcs are drawn by Pillow's `ImageDraw.arc`, code the project's stimuli do not use, at radii, stroke widths, grey
levels and positions of their own; each unit's response is read at the centre of its map, and its preferred facing
is found as the stored one is (precompute.tuning.orientation_scores: the direction of Σ r(φ)·e^{iφ}). Prints, per
layer, how many units prefer a facing within 30° of their stored orientation: over every look at once (the mean of
the looks' curves), in each look alone, and by the curve's single highest facing (its peak). See bench/README.md.

Run from the repository root on a built demo store (under a minute on 2 cores):
    python bench/curve_orientations.py --store var/demo
    python bench/curve_orientations.py --store var/demo --family --each
    python bench/curve_orientations.py --store var/demo --units mixed4b:202,362
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.curve_pictures import chosen_units, turn  # noqa: E402
from precompute.hooks import LayerTap  # noqa: E402
from precompute.tuning import orientation_scores, window_responses  # noqa: E402
from precompute.zoo import LoadedModel, load_model  # noqa: E402
from store.reader import StoreReader  # noqa: E402

MODEL = "demo-inception"
FACINGS = tuple(float(a) for a in range(0, 360, 15))  # convex side's direction, degrees counter-clockwise, y up
RADII = (4.0, 7.0, 11.0, 16.0)  # input pixels (the demo's input is 64 px)
SPAN = 120.0  # degrees of circle each arc covers
SUPERSAMPLE = 4  # drawn this many times larger, then reduced: anti-aliased strokes
# (name, stroke width in input pixels, stroke grey, background grey): light and dark strokes, thin and thick
LOOKS = (
    ("thin light on dark", 1.5, 0.85, 0.3),
    ("thick light on dark", 3.5, 0.85, 0.3),
    ("thin dark on light", 1.5, 0.15, 0.7),
    ("thick dark on light", 3.5, 0.15, 0.7),
)
AGREE = 30.0  # degrees: a preferred facing this close to the stored orientation agrees with it


@dataclass(frozen=True)
class Agreement:
    """A unit's stored orientation and the facing it prefers on these arcs: overall and in each look."""

    layer: str
    unit: int
    stored: float
    preferred: float  # the direction of the mean over looks of the facing curves
    peak: float  # the facing where that mean curve is highest
    per_look: tuple[float, ...]  # the direction of each look's curve, in LOOKS order

    @property
    def agrees(self) -> bool:
        return turn(self.preferred, self.stored) <= AGREE

    @property
    def peak_agrees(self) -> bool:
        return turn(self.peak, self.stored) <= AGREE

    @property
    def holds(self) -> bool:
        """Whether every look alone agrees with the stored orientation."""
        return all(turn(p, self.stored) <= AGREE for p in self.per_look)


def arc_image(
    size: int,
    facing: float,
    radius: float,
    width: float,
    stroke: float,
    ground: float,
    offset: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """A (size, size) grey image in [0, 1]: an arc of SPAN° whose convex side faces `facing`, the middle of its
    sagitta at the image centre moved by `offset` (x right, y up, input pixels)."""
    k = SUPERSAMPLE
    canvas = Image.new("L", (size * k, size * k), round(ground * 255))
    half = np.deg2rad(SPAN / 2)
    middle = radius * (1 + np.cos(half)) / 2  # from the circle's centre to the sagitta's middle
    cx = size / 2 + offset[0] - middle * np.cos(np.deg2rad(facing))
    cy = size / 2 - offset[1] + middle * np.sin(np.deg2rad(facing))  # rows grow downward
    outer = radius + width / 2  # Pillow strokes inward from the box: the stroke's middle then runs at `radius`
    box = [(cx - outer) * k, (cy - outer) * k, (cx + outer) * k, (cy + outer) * k]
    # Pillow's angles run clockwise from 3 o'clock (rows grow downward): facing φ (y up) is Pillow's −φ
    ImageDraw.Draw(canvas).arc(
        box, -facing - SPAN / 2, -facing + SPAN / 2, fill=round(stroke * 255), width=max(1, round(width * k))
    )
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX), dtype=np.float32) / 255.0


def offsets(stride: int) -> list[tuple[float, float]]:
    """Where an arc is drawn: the centre and the eight positions half a stride around it (a unit answers a curve
    near its position, not only through it)."""
    step = stride / 2
    return [(dx * step, dy * step) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]


def stimuli(size: int, stride: int) -> np.ndarray:
    """(looks, facings, radii × offsets, size, size): every arc this probe draws for a layer of `stride`."""
    places = offsets(stride)
    return np.stack(
        [
            np.stack([np.stack([arc_image(size, f, r, w, s, g, o) for r in RADII for o in places]) for f in FACINGS])
            for _, w, s, g in LOOKS
        ]
    )


def centre_window(height: int) -> int:
    """How many map positions across are nearest the centre: 1 on an odd map, 2 (a 2×2 window) on an even one."""
    return 2 - height % 2


def responses(model: LoadedModel, layer: str, images: np.ndarray, units: Sequence[int], window: int) -> np.ndarray:
    """(looks, facings, units): each unit's best response over the radii and positions of each facing, its response
    to an image being its maximum over the central `window`² positions of its map (precompute.tuning's reading)."""
    looks, facings, variants, size, _ = images.shape
    flat = torch.from_numpy(images.reshape(-1, 1, size, size)).expand(-1, 3, -1, -1).contiguous()
    with LayerTap(model.module, [layer]) as tap:
        found = window_responses(tap, model.input.normalize(flat), {layer: window}, chunk=256)[layer]
    return found[:, list(units)].reshape(looks, facings, variants, len(units)).amax(dim=2).numpy()


def directions(curves: np.ndarray) -> np.ndarray:
    """The preferred facing of each of (facings, units) curves, by the stored orientation's own definition
    (precompute.tuning.orientation_scores: the direction of Σ r(φ)·e^{iφ}; NaN for a unit that answers none)."""
    return orientation_scores(curves.T, FACINGS)[0]


def agreements(layer: str, stored: dict[int, float], curves: np.ndarray) -> list[Agreement]:
    """Each unit's preferred facing from its (looks, facings, units) curves, against its stored orientation.

    Each look's curve is taken above its own weakest facing (as the stored curves are taken above the blank), so that
    a look the unit answers strongly at every facing (its background level, say) does not weigh on the direction.
    """
    lifted = curves - curves.min(axis=1, keepdims=True)
    mean = lifted.mean(axis=0)
    preferred, per_look = directions(mean), [directions(look) for look in lifted]
    return [
        Agreement(
            layer,
            unit,
            orientation,
            float(preferred[i]),
            FACINGS[int(mean[:, i].argmax())],
            tuple(float(look[i]) for look in per_look),
        )
        for i, (unit, orientation) in enumerate(stored.items())
    ]


def curve_units(reader: StoreReader, model: str) -> dict[str, dict[int, float]]:
    """The units the curve-detectors finding counts, per layer, with the orientations it holds them to."""
    for found in reader.findings(model):
        if found["key"] == "curve_detectors":
            return {
                row["layer"]: {int(u): float(a) for u, a in row["orientations"].items()}
                for row in found["rows"]
                if row.get("orientations")
            }
    raise SystemExit(f"{model}: the store holds no curve-detectors finding (run the findings stage)")


def chord(radius: float) -> float:
    """The length of the chord of an arc of SPAN° at `radius`: how far across it reaches."""
    return 2 * radius * float(np.sin(np.deg2rad(SPAN / 2)))


def too_small(rf_size: int | None) -> bool:
    """Whether a receptive field is narrower than the smallest arc: a unit there sees a piece of stroke, not a curve."""
    return rf_size is not None and rf_size < chord(min(RADII))


def measure(
    reader: StoreReader, model: LoadedModel, units: dict[str, dict[int, float]]
) -> tuple[list[Agreement], list[str]]:
    """Every chosen unit's agreement, layer by layer, and the layers left out: those whose receptive field cannot hold
    the smallest arc."""
    layers = {layer.name: layer for layer in reader.model(model.id).layers}
    found: list[Agreement] = []
    left_out: list[str] = []
    for name, stored in units.items():
        if not stored:
            continue
        if too_small(layers[name].rf_size):
            left_out.append(f"{name} (receptive field {layers[name].rf_size} px)")
            continue
        images = stimuli(model.input.size, int(layers[name].rf_stride or 1))
        window = centre_window(int(layers[name].height or 1))
        found += agreements(name, stored, responses(model, name, images, list(stored), window))
    return found, left_out


def report(found: Sequence[Agreement], each: bool) -> None:
    print(
        f"{'layer':<10} {'units':>5} {'agree':>6} {'share':>6} {'all looks':>9} {'peak agrees':>11} {'median |Δ|':>10}"
    )
    for layer in dict.fromkeys(a.layer for a in found):
        mine = [a for a in found if a.layer == layer]
        agree, holds, peak = (sum(getattr(a, p) for a in mine) for p in ("agrees", "holds", "peak_agrees"))
        median = statistics.median(turn(a.preferred, a.stored) for a in mine)
        print(f"{layer:<10} {len(mine):>5} {agree:>6} {agree / len(mine):>6.0%} {holds:>9} {peak:>11} {median:>9.0f}°")
    if each:
        names = ", ".join(name for name, *_ in LOOKS)
        print(f"\nunit: stored → preferred, peak (each look: {names})")
        for a in found:
            looks = " ".join(f"{p:.0f}" for p in a.per_look)
            print(f"{a.layer}:{a.unit}: {a.stored:.0f}° → {a.preferred:.0f}°, peak {a.peak:.0f}° ({looks})")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/demo"), help="store folder (default: var/demo)")
    parser.add_argument("--model", default=MODEL, help=f"model id (default: {MODEL})")
    parser.add_argument("--weights", type=Path, help="weights to load instead of the model's shipped ones")
    parser.add_argument(
        "--units",
        action="append",
        help="layer:u,u,… (repeatable), with their stored orientations; default: the curve-detectors finding's units",
    )
    parser.add_argument("--family", action="store_true", help="each family layer's curve family instead")
    parser.add_argument("--each", action="store_true", help="also print every unit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    reader = StoreReader(args.store)
    if reader.model(args.model) is None:
        raise SystemExit(f"no model {args.model!r} in {args.store}; models: {', '.join(reader.model_ids())}")
    units = (
        chosen_units(reader, args.model, args.units) if args.units or args.family else curve_units(reader, args.model)
    )
    model = load_model(args.model, weights=args.weights)
    found, left_out = measure(reader, model, units)
    report(found, args.each)
    if left_out:
        print(f"\nleft out, narrower than the smallest arc ({chord(min(RADII)):.1f} px across): {', '.join(left_out)}")


if __name__ == "__main__":
    main()
