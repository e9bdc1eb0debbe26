"""Do the curve family's pictures show a curve at the unit's preferred orientation? For each unit, the normalized
cross-correlation (NCC) of its picture, in grey, with an arc whose convex side faces the stored `orientation`,
against the same arc turned 180°; prints, per layer and picture kind, the share of units where the first wins.

The arcs are drawn here (not by precompute.stimuli), at a few radii and stroke widths; each side takes its best.
A neuron picture is matched at its centre, within half its layer's stride (the position it maximized, nearer than
any other position); a channel picture, which tiles its feature over the map, at its best-matching position. See
bench/README.md.

Run from the repository root on a built demo store (seconds, no torch):
    python bench/curve_pictures.py --store var/demo
    python bench/curve_pictures.py --store var/demo --units mixed3b:12,40,77 --kinds neuron
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from store.reader import StoreReader  # noqa: E402
from store.records import LayerRecord, ModelView  # noqa: E402

MODEL = "demo-inception"
LAYERS = ("mixed3a", "mixed3b", "mixed4a")  # the layers whose curve families the demo's pages show
KINDS = ("channel", "neuron")
FAMILY, FAMILY_SCORE, TOP = "curves", "curve", 16  # the family: a layer's top 16 members by the `curve` score
ORIENTATION = "orientation"  # degrees, counter-clockwise from pointing right; the convex side faces it
RADII = (5.0, 8.0, 12.0, 17.0)  # arc radii in input pixels (the demo's input is 64 px)
WIDTHS = (1.5, 3.0)  # stroke widths in input pixels
SPAN = 130.0  # degrees of circle each arc covers
FACINGS = tuple(float(a) for a in range(0, 360, 30))  # where `--each` looks for the arc a picture shows best


@dataclass(frozen=True)
class Match:
    """A unit's best NCC with the arc facing its orientation (`own`) and facing the opposite way (`turned`)."""

    layer: str
    unit: int
    kind: str
    own: float
    turned: float
    facing: float | None = None  # the facing among FACINGS that the picture matches best (with --each)

    @property
    def wins(self) -> bool:
        """Whether the arc at the preferred orientation matches better than the turned one."""
        return self.own > self.turned


def arc(radius: float, width: float, facing: float, span: float = SPAN) -> np.ndarray:
    """A bright anti-aliased arc on 0, its convex side facing `facing` degrees (y up), its sagitta's middle at the
    centre of an odd square just large enough to hold it."""
    side = 2 * int(np.ceil(radius + width)) + 1
    half = np.deg2rad(span / 2)
    middle = radius * (1 + np.cos(half)) / 2  # apex-to-chord midpoint, as a curve is centred on its sagitta
    direction = np.array([np.cos(np.deg2rad(facing)), np.sin(np.deg2rad(facing))])
    cx, cy = -middle * direction  # the circle's centre, relative to the square's centre, y up
    ys, xs = np.mgrid[0:side, 0:side].astype(float) - side // 2
    dx, dy = xs - cx, -ys - cy  # rows grow downward; y up
    distance = np.hypot(dx, dy)
    angle = np.angle(np.exp(1j * (np.arctan2(dy, dx) - np.deg2rad(facing))))
    on_ring = np.clip(width / 2 - np.abs(distance - radius) + 0.5, 0.0, 1.0)
    return on_ring * (np.abs(angle) <= half)


def ncc_map(image: np.ndarray, template: np.ndarray) -> np.ndarray:
    """The NCC of `template` with every window of `image` it fits (valid positions), each in [-1, 1]."""
    t = template - template.mean()
    t /= np.linalg.norm(t) or 1.0
    windows = sliding_window_view(image, template.shape)
    centred = windows - windows.mean(axis=(-2, -1), keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=(-2, -1)))
    return np.einsum("ijkl,kl->ij", centred, t) / np.maximum(norms, 1e-8)


def neuron_slack(layer: LayerRecord) -> int:
    """How many input pixels off the centre a neuron picture's arc may sit: half the layer's stride, so the arc is
    nearer the position the picture maximized than any other (4 px in mixed3a and mixed3b, 8 in mixed4a)."""
    return int(layer.rf_stride // 2)


def best_ncc(image: np.ndarray, facing: float, slack: int | None) -> float:
    """The best |NCC| over radii and widths of an arc facing `facing`: within `slack` pixels of the centre, or
    anywhere for None (a dark arc on light matches as well as a light one on dark: pictures take either polarity)."""
    best = 0.0
    for radius in RADII:
        for width in WIDTHS:
            template = arc(radius, width, facing)
            if template.shape[0] > min(image.shape):
                continue
            scores = np.abs(ncc_map(image, template))
            if slack is not None:
                scores = _around_centre(scores, slack)
            best = max(best, float(scores.max()))
    return best


def _around_centre(scores: np.ndarray, slack: int) -> np.ndarray:
    """The scores of windows whose centre lies within `slack` pixels of the image's centre."""
    cy, cx = scores.shape[0] // 2, scores.shape[1] // 2
    return scores[max(cy - slack, 0) : cy + slack + 1, max(cx - slack, 0) : cx + slack + 1]


def match(picture: np.ndarray, orientation: float, slack: int | None) -> tuple[float, float]:
    """(own, turned): the picture's best NCC with the arc at `orientation` and at `orientation` + 180° (`slack`: as
    `best_ncc`)."""
    return best_ncc(picture, orientation, slack), best_ncc(picture, orientation + 180.0, slack)


def best_facing(picture: np.ndarray, slack: int | None) -> tuple[float, float]:
    """(facing, NCC) of the arc among FACINGS the picture matches best, whatever the stored orientation says."""
    return max(((facing, best_ncc(picture, facing, slack)) for facing in FACINGS), key=lambda found: found[1])


def turn(a: float, b: float) -> float:
    """The angle between two directions in degrees, 0–180."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def grey(path: Path, side: int) -> np.ndarray:
    """A stored picture in grey (BT.601 luma), box-filtered to the network's input side."""
    with Image.open(path) as image:
        return np.asarray(image.convert("L").resize((side, side), Image.Resampling.BOX), dtype=float) / 255.0


def family_units(reader: StoreReader, model: str, layer: str) -> dict[int, float]:
    """The curve family of a layer as its page lists it, each unit with its preferred orientation: the top 16 by
    `curve` among the units that passed the family's gate (every scored unit on a store without gate evidence),
    those with an orientation."""
    ranked = reader.units_scored(model, FAMILY_SCORE, TOP, [layer], FAMILY).get(layer, [])
    return {u.unit: u.scores[ORIENTATION] for u in ranked if ORIENTATION in u.scores}


def chosen_units(reader: StoreReader, model: str, specs: Sequence[str] | None) -> dict[str, dict[int, float]]:
    """`--units layer:u,u…` (units need an orientation), else every family layer's curve family."""
    if not specs:
        return {layer: family_units(reader, model, layer) for layer in LAYERS}
    found: dict[str, dict[int, float]] = {}
    for spec in specs:
        layer, _, numbers = spec.partition(":")
        wanted = [int(n) for n in numbers.split(",") if n]
        ranked = reader.units_scored(model, ORIENTATION, 10**6, [layer]).get(layer, [])
        oriented = {u.unit: u.scores[ORIENTATION] for u in ranked}
        missing = [n for n in wanted if n not in oriented]
        if missing:
            raise KeyError(f"--units {spec!r}: no stored {ORIENTATION} for {layer} units {missing}")
        found.setdefault(layer, {}).update({n: oriented[n] for n in wanted})
    return found


def measure(
    reader: StoreReader, view: ModelView, units: dict[str, dict[int, float]], kinds: Sequence[str], each: bool = False
) -> list[Match]:
    """Every chosen unit's match, for each kind of picture the store holds for it (`each`: and its best facing)."""
    side = int(view.input_spec["size"])
    layers = {layer.name: layer for layer in view.layers}
    pictures = reader.pictures_of(view.id, {layer: list(found) for layer, found in units.items()}, list(kinds))
    matches = []
    for layer, found in units.items():
        for unit, orientation in found.items():
            for kind, stored in sorted(pictures[layer].get(unit, {}).items()):
                asset = stored.asset
                path = reader.asset_file(asset.sha256, asset.ext)
                if path is None:
                    raise FileNotFoundError(f"{layer}:{unit} {kind}: asset {asset.sha256}.{asset.ext} is missing")
                picture, slack = grey(path, side), neuron_slack(layers[layer]) if kind == "neuron" else None
                own, turned = match(picture, orientation, slack)
                facing = best_facing(picture, slack)[0] if each else None
                matches.append(Match(layer, unit, kind, own, turned, facing))
    return matches


def report(matches: Sequence[Match]) -> None:
    """Per layer and kind: units, the share where the arc at the preferred orientation wins, median NCCs."""
    print("layer    kind     units  wins   share  median own  median turned")
    for layer in dict.fromkeys(m.layer for m in matches):
        for kind in dict.fromkeys(m.kind for m in matches):
            some = [m for m in matches if m.layer == layer and m.kind == kind]
            if some:
                wins = sum(m.wins for m in some)
                own = statistics.median(m.own for m in some)
                turned = statistics.median(m.turned for m in some)
                print(f"{layer:8} {kind:8} {len(some):5} {wins:5} {wins / len(some):6.0%} {own:11.3f} {turned:14.3f}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/demo"), help="store folder (default: var/demo)")
    parser.add_argument("--model", default=MODEL, help=f"model id (default: {MODEL})")
    parser.add_argument("--units", action="append", help="layer:u,u,… (repeatable); default: each curve family")
    parser.add_argument("--kinds", default=",".join(KINDS), help="picture kinds, comma-separated (default: both)")
    parser.add_argument("--each", action="store_true", help="also print every unit's NCCs and best facing (slower)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    reader = StoreReader(args.store)
    view = reader.model(args.model)
    if view is None:
        raise SystemExit(f"no model {args.model!r} in {args.store}; models: {', '.join(reader.model_ids())}")
    units = chosen_units(reader, view.id, args.units)
    matches = measure(reader, view, units, args.kinds.split(","), args.each)
    if args.each:
        for m in matches:
            orientation = units[m.layer][m.unit]
            off = turn(m.facing or 0.0, orientation)
            print(
                f"{m.layer}:{m.unit} {m.kind:7} orientation {orientation:3.0f}  own {m.own:.3f} turned {m.turned:.3f}"
                f"{' wins' if m.wins else '     '}  best facing {m.facing:3.0f} ({off:3.0f}° off)"
            )
    report(matches)


if __name__ == "__main__":
    main()
