"""The parametric stimuli of tuning curves, drawn at the size of a receptive field at the centre of the image.

Lines, curves and colour disks are drawn on a square patch of `side` pixels (a layer's receptive-field size, at most
the input) and pasted at the centre of an image of their own background grey at the network's input size; edges and
gratings have no extent of their own and fill the image (a grating's frequency counts cycles per `side` pixels), so
no patch border is seen by units near the centre. Angles follow precompute/stimuli: degrees,
counter-clockwise, 0 = pointing right. Lines and curves are the stimuli package's own `line` and `curve` patterns
with every look factor fixed (grey, flat background, centred), so a curve at orientation θ here is what the demo's
dataset calls a curve of orientation θ: its convex side faces θ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from precompute.stimuli import generate
from precompute.stimuli.draw import background, equiluminant, grid
from precompute.stimuli.textures import half_plane, texture

GREY = 0.5  # the background level of every probe and of the image around the patch
CONTRAST = 0.5  # stroke, edge and grating amplitude against the background
ANGLES = tuple(float(a) for a in range(0, 360, 15))  # orientations of lines, edges and curves
CURVATURES = (7.0, 5.0, 3.0)  # patch side / radius, the dataset's range: radii 1/7, 1/5 and 1/3 of the patch
HUES = tuple(float(h) for h in range(0, 360, 15))
DISK_RADIUS = 0.3  # of the patch side: the colour (and grey) disk
DISK_LUMA = 0.35  # a little darker than the background, so the grey disk of equal luma is visible too
FREQUENCIES = (1.0, 2.0, 4.0, 8.0)  # grating cycles per patch side (per receptive field)
GRATING_ANGLES = tuple(float(a) for a in range(0, 180, 15))  # a grating at θ and θ + 180 is the same image
MIN_SIDE = 8  # the stimuli package draws nothing smaller
# Lines and curves are drawn in each of these looks and a unit's response is the mean over them, so that neither
# the stroke's polarity nor its exact position decides a tuning curve: (background level, position x, position y).
SHIFT = 0.06  # of the patch side
LOOKS = tuple(
    (level, x, y)
    for level in (0.25, 0.75)  # a light stroke on dark grey, a dark stroke on light grey
    for x, y in ((0.0, 0.0), (SHIFT, 0.0), (-SHIFT, 0.0), (0.0, SHIFT), (0.0, -SHIFT))
)

# Other renderings of the curve probes, to check that a unit's preferred orientation is a property of the curve and not
# of one way of drawing it (precompute.findings): each changes the stroke width, the polarity (the stroke is lighter
# than a dark background, darker than a light one) and the background. The tuning stage does not draw them.
RENDERINGS: dict[str, dict[str, object]] = {
    "thin, light on dark, flat": {"width": 0.03, "background_level": 0.25, "background": "flat"},
    "thick, dark on light, flat": {"width": 0.07, "background_level": 0.75, "background": "flat"},
    "thin, dark on light, noisy": {"width": 0.03, "background_level": 0.75, "background": "noise"},
    "thick, light on dark, noisy": {"width": 0.07, "background_level": 0.25, "background": "noise"},
}


@dataclass(frozen=True)
class Probe:
    """One tuning stimulus: its kind and the parameters that draw it."""

    kind: str  # blank | line | edge | curve | hue | grey | grating
    angle: float = 0.0  # orientation (line, edge, curve, grating)
    curvature: float = 0.0  # curve: patch side / radius
    hue: float = 0.0  # hue disk
    frequency: float = 0.0  # grating: cycles per patch side
    look: int = 0  # line, curve: the index of its look in LOOKS

    @property
    def background(self) -> float:
        """The grey level around the probe."""
        return LOOKS[self.look][0] if self.kind in ("line", "curve") else GREY


def probes() -> list[Probe]:
    """Every probe of a tuning run, in a fixed order (the order of a response matrix's rows)."""
    return [
        Probe("blank"),
        *(Probe("line", angle=a, look=k) for k in range(len(LOOKS)) for a in ANGLES if a < 180),  # θ + 180: θ
        *(Probe("edge", angle=a) for a in ANGLES),
        *(Probe("curve", angle=a, curvature=c, look=k) for k in range(len(LOOKS)) for c in CURVATURES for a in ANGLES),
        *(Probe("hue", hue=h) for h in HUES),
        Probe("grey"),
        *(Probe("grating", angle=a, frequency=f) for f in FREQUENCIES for a in GRATING_ANGLES),
    ]


def draw(probe: Probe, side: int, input_size: int) -> np.ndarray:
    """The probe as an input_size×input_size×3 RGB float array in [0, 1], scaled to a receptive field of `side`."""
    if probe.kind == "edge":  # the bright half faces `angle`
        mask = half_plane({"position_x": 0.0, "position_y": 0.0}, probe.angle, input_size)
        return _grey(GREY + CONTRAST * (mask - 0.5))
    if probe.kind == "grating":
        cycles = probe.frequency * input_size / side
        factors = {"high_frequency": cycles, "texture_angle": probe.angle, "texture": "stripes"}
        return _grey(GREY + CONTRAST / 2 * texture(factors, np.random.default_rng(0), input_size))
    return place(draw_patch(probe, side), input_size, probe.background)


def draw_patch(probe: Probe, side: int) -> np.ndarray:
    """A line, curve, disk or blank probe as a side×side×3 RGB float array in [0, 1] on its background."""
    rng = np.random.default_rng(0)  # only the stimuli package's unused draws read it
    if probe.kind == "line":
        return _rgb(generate("line", rng, side, **_looks(probe), orientation=probe.angle, length=0.6).image)
    if probe.kind == "curve":
        fixed = {**_looks(probe), "orientation": probe.angle, "curvature": probe.curvature, "arc": 150.0}
        return _rgb(generate("curve", rng, side, **fixed).image)
    if probe.kind in ("hue", "grey"):
        colour = equiluminant(probe.hue, DISK_LUMA, 1.0) if probe.kind == "hue" else np.full(3, DISK_LUMA)
        return _grey(np.full((side, side), GREY)) * (1 - _disk(side)) + colour * _disk(side)
    if probe.kind == "blank":
        return _grey(np.full((side, side), GREY))
    raise ValueError(f"unknown probe kind {probe.kind!r}; valid: blank, line, edge, curve, hue, grey, grating")


def patch_side(rf_size: int, input_size: int) -> int:
    """The side of the patch the probes of a layer are drawn on: its receptive field, within the input."""
    return int(min(max(rf_size, MIN_SIDE), input_size))


def place(patch: np.ndarray, input_size: int, level: float = GREY) -> np.ndarray:
    """The patch pasted at the centre of an input_size×input_size×3 image of grey `level`."""
    image = np.full((input_size, input_size, 3), level, dtype=np.float32)
    start = (input_size - patch.shape[0]) // 2
    image[start : start + patch.shape[0], start : start + patch.shape[1]] = patch
    return image


def stimulus_batch(chosen: list[Probe], side: int, input_size: int) -> Tensor:
    """The probes drawn at `side` in input-sized images: a (N, 3, input_size, input_size) batch in [0, 1]."""
    images = np.stack([draw(probe, side, input_size) for probe in chosen])
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


def _looks(probe: Probe) -> dict[str, object]:
    """The stimuli package's look factors of a line or curve probe: grey, flat, its look's level and position."""
    level, x, y = LOOKS[probe.look]
    return {
        "color": False,
        "hue": 0.0,
        "background": "flat",
        "background_level": level,
        "contrast": CONTRAST,
        "position_x": x,
        "position_y": y,
        "width": 0.04,
    }


def _disk(side: int) -> np.ndarray:
    x, y = grid(side)
    distance = np.hypot(x - 0.5, y - 0.5) * side  # in pixels
    return np.clip(DISK_RADIUS * side - distance + 0.5, 0.0, 1.0)[..., None]  # a one-pixel anti-aliased rim


def _grey(levels: np.ndarray) -> np.ndarray:
    return np.repeat(np.clip(levels, 0.0, 1.0)[..., None], 3, axis=-1).astype(np.float32)


def _rgb(image: object) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) / 255.0


def rendering_batch(rendering: str, side: int, input_size: int) -> Tensor:
    """A rendering's blank (its background alone) then its curves at every ANGLES × CURVATURES (angle fastest), as a
    (1 + curves, 3, input_size, input_size) batch in [0, 1]; KeyError naming the renderings otherwise."""
    if rendering not in RENDERINGS:
        raise KeyError(f"unknown rendering {rendering!r}; valid: {', '.join(RENDERINGS)}")
    look = {**_looks(Probe("curve")), **RENDERINGS[rendering]}
    level = float(look["background_level"])  # type: ignore[arg-type]
    blank = _grey(background(look, np.random.default_rng(0), side))
    curves = [
        _rgb(generate("curve", np.random.default_rng(0), side, **look, orientation=a, curvature=c, arc=150.0).image)
        for c in CURVATURES
        for a in ANGLES
    ]
    images = np.stack([place(patch, input_size, level) for patch in (blank, *curves)])
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
