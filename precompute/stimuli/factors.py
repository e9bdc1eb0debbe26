"""The generating factors of every stimulus pattern: names, ranges and how to draw them from a seed.

Conventions shared by all patterns (they matter for tuning curves):
- angles are in degrees, counter-clockwise, 0 = pointing right (+x), 90 = pointing up (towards row 0);
- lengths, radii, widths and positions are fractions of the image side, so a stimulus looks the same at any size;
- every factor is drawn on every call, even when the caller fixes it, so fixing one factor (say, sweeping
  `orientation`) leaves all the others exactly as the same seed would have drawn them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

FactorValue = float | int | str | bool

PATTERNS: tuple[str, ...] = (
    "circle",
    "color_edge",
    "corner",
    "curve",
    "frequency_boundary",
    "line",
    "s_curve",
    "spiral",
)


@dataclass(frozen=True)
class Factor:
    """One generating factor: its name, its type and how to draw it.

    `draw` sees the factors drawn before it and the image side in pixels under the key "size".
    """

    name: str
    kind: type
    draw: Callable[[np.random.Generator, Mapping[str, FactorValue]], FactorValue]
    choices: tuple[FactorValue, ...] = ()

    def check(self, value: object) -> FactorValue:
        """Validate a caller-fixed value and return it in this factor's type."""
        if self.kind is float and isinstance(value, int | float | np.number) and not isinstance(value, bool):
            return float(value)
        if self.kind is not float and isinstance(value, self.kind) and (not self.choices or value in self.choices):
            return value  # type: ignore[return-value]
        wanted = f"one of {list(self.choices)}" if self.choices else f"a {self.kind.__name__}"
        raise ValueError(f"factor {self.name!r} must be {wanted}, got {value!r}")


def uniform(low: float, high: float) -> Callable[[np.random.Generator, Mapping[str, FactorValue]], float]:
    """A float factor drawn uniformly from [low, high), rounded so the JSON record stays short."""
    return lambda rng, _: round(float(rng.uniform(low, high)), 4)


def _choice(name: str, options: tuple[FactorValue, ...], kind: type = str) -> Factor:
    return Factor(name, kind, lambda rng, _: options[int(rng.integers(len(options)))], options)


def _float(name: str, low: float, high: float) -> Factor:
    return Factor(name, float, uniform(low, high))


# Looks shared by every pattern: colour or truly gray, the stroke hue, and a varied but quiet background.
COLOR = _choice("color", (False, True), bool)
HUE = _float("hue", 0.0, 360.0)  # only used when color is True
BACKGROUND = _choice("background", ("flat", "gradient", "noise"))
BACKGROUND_LEVEL = _float("background_level", 0.1, 0.9)  # gray level of the background, 0 black … 1 white
CONTRAST = _float("contrast", 0.4, 0.7)  # stroke or texture amplitude against the background
POSITION = (_float("position_x", -0.08, 0.08), _float("position_y", -0.08, 0.08))
WIDTH = _float("width", 0.02, 0.05)  # stroke width; thin enough that a spiral's turns stay apart at 32 px
LOOKS = (COLOR, HUE, BACKGROUND, BACKGROUND_LEVEL, CONTRAST, *POSITION)


def _fine_frequency(rng: np.random.Generator, drawn: Mapping[str, FactorValue]) -> float:
    """Cycles per image of the fine texture: 8 to 18, scaled down below 45 px so that the pixels can still show it."""
    scale = min(1.0, 0.4 * float(drawn["size"]) / 18.0)
    return round(float(rng.uniform(8.0 * scale, 18.0 * scale)), 4)


def _other_hue(rng: np.random.Generator, drawn: Mapping[str, FactorValue]) -> float:
    """hue_b at least 60° round the colour wheel from hue_a, so the edge is always a clear hue change."""
    return round((float(drawn["hue_a"]) + float(rng.uniform(60.0, 300.0))) % 360.0, 4)


SPECS: dict[str, tuple[Factor, ...]] = {
    "circle": (*LOOKS, WIDTH, _float("radius", 0.15, 0.36), _choice("filled", (False,), bool)),
    "color_edge": (
        _choice("color", (True,), bool),
        _choice("background", ("flat", "gradient", "noise")),
        *POSITION,
        _float("orientation", 0.0, 360.0),  # direction, from the boundary, in which the hue_a side lies
        _float("hue_a", 0.0, 360.0),
        Factor("hue_b", float, _other_hue),
        _float("luminance", 0.35, 0.65),  # shared by both sides: the edge is colour contrast, not brightness
        _float("saturation", 0.6, 1.0),  # fraction of the most chroma the gamut allows at that luminance
    ),
    "curve": (
        *LOOKS,
        WIDTH,
        _float("orientation", 0.0, 360.0),  # direction the convex side faces
        _float("curvature", 3.0, 7.0),  # image side / radius: radius between 1/7 and 1/3 of the image
        _float("arc", 110.0, 180.0),  # degrees of the circle drawn; at most a half circle, never a full one
    ),
    "corner": (
        *LOOKS,
        WIDTH,
        _float("orientation", 0.0, 360.0),  # direction the vertex points (the corner's convex side), as a curve's
        _float("opening", 50.0, 130.0),  # degrees between the two arms
        _float("arm", 0.2, 0.35),  # length of each arm
    ),
    "frequency_boundary": (
        # The low-frequency side is the background, so it must be smooth: no pixel noise there.
        *(_choice("background", ("flat", "gradient")) if factor is BACKGROUND else factor for factor in LOOKS),
        _float("orientation", 0.0, 180.0),  # direction of the boundary line
        _choice("side", ("left", "right")),  # side of the boundary (walking along orientation) holding the texture
        Factor("high_frequency", float, _fine_frequency),  # cycles per image side of the fine texture
        _choice("texture", ("stripes", "checks", "noise")),
        _float("texture_angle", 0.0, 180.0),
    ),
    "line": (*LOOKS, WIDTH, _float("orientation", 0.0, 180.0), _float("length", 0.4, 0.8)),
    "s_curve": (
        *LOOKS,
        WIDTH,
        _float("orientation", 0.0, 180.0),  # direction of the S's axis; a half turn gives the same S
        _float("amplitude", 0.08, 0.16),  # height of each of the two opposite bumps
        _float("length", 0.55, 0.8),  # one full sine period along the axis
        _choice("mirrored", (False, True), bool),  # S or Z
    ),
    "spiral": (
        *LOOKS,
        WIDTH,
        _float("orientation", 0.0, 360.0),  # angle of the spiral's inner end, seen from its centre
        _float("turns", 1.5, 2.5),
        _choice("direction", ("ccw", "cw")),  # which way it winds going outwards
        _float("radius", 0.3, 0.4),  # outer radius
    ),
}


def check_pattern(pattern: str) -> tuple[Factor, ...]:
    """The factors of a pattern, or ValueError listing the valid patterns."""
    if pattern not in SPECS:
        raise ValueError(f"unknown stimulus pattern {pattern!r}; valid patterns: {', '.join(PATTERNS)}")
    return SPECS[pattern]


def factor_names(pattern: str) -> tuple[str, ...]:
    """Names of the factors that generate a pattern's images, in drawing order."""
    return tuple(factor.name for factor in check_pattern(pattern))


def draw_factors(
    pattern: str, rng: np.random.Generator, fixed: Mapping[str, object], size: int
) -> dict[str, FactorValue]:
    """Draw every factor of a pattern from rng for a size×size image, replacing those the caller fixed (validated)."""
    specs = check_pattern(pattern)
    unknown = sorted(set(fixed) - {factor.name for factor in specs})
    if unknown:
        valid = ", ".join(factor_names(pattern))
        raise ValueError(f"unknown factor(s) {', '.join(unknown)} for {pattern!r}; valid factors: {valid}")
    drawn: dict[str, FactorValue] = {"size": size}
    for factor in specs:
        value = factor.draw(rng, drawn)
        drawn[factor.name] = factor.check(fixed[factor.name]) if factor.name in fixed else value
    return {factor.name: drawn[factor.name] for factor in specs}
