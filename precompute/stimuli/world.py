"""The demo's world: the classes its network learns to tell apart, each drawn by a stimulus pattern, in clutter.

A class is a pattern with some factors narrowed. The task needs what InceptionV1's early vision has:
- which way a curve bends: eight `curve_*` classes, one per 45° of the direction the convex side faces, so every
  orientation matters and neighbours are hard to tell apart near a bin's edge; a `corner` (two straight arms)
  bends but is not a curve; a `line` does not bend;
- colour against brightness: `red_green`, `blue_yellow`, `magenta_cyan` and `orange_azure` are equiluminant colour
  edges that only colour tells apart (their hue pairs), while every stroke class comes grey or in any hue, so colour
  must be ignored there;
- texture: `frequency_boundary`, a fine texture meeting a smooth field;
- clutter: every image gets a few short straight distractor strokes and sometimes an occluding patch, and strokes
  vary in width, contrast, polarity and background.
Class names are the labels of the demo's images (their folder names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from precompute.stimuli.draw import equiluminant, stroke_mask, to_image, unit
from precompute.stimuli.render import Stimulus, generate

BIN = 45.0  # degrees of convex-side direction per curve class
COMPASS = ("e", "ne", "n", "nw", "w", "sw", "s", "se")  # bin centres 0°, 45°, … counter-clockwise from +x
STROKE_LOOKS = {
    "width": (0.015, 0.07),
    "contrast": (0.25, 0.75),
    "position_x": (-0.12, 0.12),
    "position_y": (-0.12, 0.12),
}


@dataclass(frozen=True)
class StimulusClass:
    """A label of the demo's world: the pattern that draws it and the factors it narrows."""

    name: str
    pattern: str
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # float factors drawn in [low, high)
    facing: float | None = None  # centre of the class's orientation bin (curve classes)

    def draw(self, rng: np.random.Generator, size: int) -> Stimulus:
        """One image of this class from rng: the pattern's drawing with the narrowed factors, then clutter."""
        fixed = {name: round(float(rng.uniform(low, high)), 4) for name, (low, high) in self.ranges.items()}
        offset = float(rng.uniform(-BIN / 2, BIN / 2))
        if self.facing is not None:
            fixed["orientation"] = round((self.facing + offset) % 360.0, 4)
        stimulus = generate(self.pattern, rng, size, **fixed)
        image, drawn = clutter(np.asarray(stimulus.image, dtype=np.float32) / 255.0, rng, size)
        return Stimulus(to_image(image), self.pattern, {**stimulus.factors, **drawn}, self.name)


def _hues(a: float, b: float) -> dict[str, tuple[float, float]]:
    return {"hue_a": (a - 20.0, a + 20.0), "hue_b": (b - 20.0, b + 20.0)}


CLASSES: tuple[StimulusClass, ...] = (
    *(StimulusClass(f"curve_{name}", "curve", STROKE_LOOKS, facing=k * BIN) for k, name in enumerate(COMPASS)),
    StimulusClass("corner", "corner", STROKE_LOOKS),
    StimulusClass("line", "line", {**STROKE_LOOKS, "length": (0.3, 0.8)}),
    StimulusClass("red_green", "color_edge", _hues(0.0, 120.0)),
    StimulusClass("blue_yellow", "color_edge", _hues(240.0, 60.0)),
    StimulusClass("magenta_cyan", "color_edge", _hues(300.0, 180.0)),
    StimulusClass("orange_azure", "color_edge", _hues(30.0, 210.0)),
    StimulusClass("frequency_boundary", "frequency_boundary"),
)
CLASS_NAMES: tuple[str, ...] = tuple(c.name for c in CLASSES)
CURVE_CLASSES: tuple[str, ...] = tuple(c.name for c in CLASSES if c.pattern == "curve")


def stimulus_class(name: str) -> StimulusClass:
    """The class called `name`; KeyError naming the classes otherwise."""
    for candidate in CLASSES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown class {name!r}; classes: {', '.join(CLASS_NAMES)}")


def clutter(image: np.ndarray, rng: np.random.Generator, size: int) -> tuple[np.ndarray, dict[str, int]]:
    """Up to three short straight distractor strokes and, one time in three, an occluding grey patch."""
    strokes, occluded = int(rng.integers(0, 4)), bool(rng.uniform() < 1 / 3)
    for _ in range(strokes):
        centre, angle = rng.uniform(0.1, 0.9, 2), float(rng.uniform(0, 360))
        half = float(rng.uniform(0.03, 0.08)) * unit(angle)
        alpha = stroke_mask([np.stack([centre - half, centre + half])], float(rng.uniform(0.015, 0.04)), size)
        level, hue, coloured = float(rng.uniform(0.15, 0.85)), float(rng.uniform(0, 360)), rng.uniform() < 0.5
        ink = equiluminant(hue, level, 0.8) if coloured else np.full(3, level)
        strength = float(rng.uniform(0.3, 0.8))  # distractors are fainter than the object, on average
        image = image * (1 - strength * alpha[..., None]) + ink * strength * alpha[..., None]
    corner, side = rng.uniform(0.0, 0.85, 2), float(rng.uniform(0.1, 0.2))
    level = float(rng.uniform(0.1, 0.9))
    if occluded:
        (left, top), span = (corner * size).astype(int), max(1, round(side * size))
        image = image.copy()
        image[top : top + span, left : left + span] = level
    return np.clip(image, 0.0, 1.0), {"distractors": strokes, "occluded": int(occluded)}


def symmetry_permutation(symmetry: str) -> list[int]:
    """Where each class's label goes when its image is flipped (`hflip`, `vflip`) or transposed (`transpose`)."""
    turn = {"hflip": lambda a: 180.0 - a, "vflip": lambda a: -a, "transpose": lambda a: 270.0 - a}[symmetry]
    out = []
    for index, cls in enumerate(CLASSES):
        if cls.facing is None:
            out.append(index)
            continue
        target = turn(cls.facing) % 360.0
        out.append(next(i for i, c in enumerate(CLASSES) if c.facing is not None and abs(c.facing - target) < 1e-6))
    return out
