"""Stroke patterns: curve, corner, line, circle, spiral and s_curve, each a polyline drawn over a background."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from PIL import Image

from precompute.stimuli.draw import Points, background, equiluminant, gray, stroke_mask, to_image, unit

Factors = Mapping[str, object]


def _f(factors: Factors, name: str) -> float:
    return float(factors[name])  # type: ignore[arg-type]


def _centre(factors: Factors) -> np.ndarray:
    return np.array([0.5 + _f(factors, "position_x"), 0.5 - _f(factors, "position_y")])


def _polar(centre: np.ndarray, radius: np.ndarray | float, angles_deg: np.ndarray) -> Points:
    """Points at the given radii and factor angles (counter-clockwise, y up) around a centre."""
    a = np.deg2rad(angles_deg)
    return np.stack([centre[0] + radius * np.cos(a), centre[1] - radius * np.sin(a)], axis=-1)


def curve_path(factors: Factors) -> Points:
    """A circular arc whose convex side faces `orientation`, centred on the middle of its sagitta."""
    radius, half, facing = 1.0 / _f(factors, "curvature"), _f(factors, "arc") / 2, _f(factors, "orientation")
    # Put the point halfway between the arc's apex and its chord's midpoint at the image centre.
    middle = radius * (1 + np.cos(np.deg2rad(half))) / 2
    circle_centre = _centre(factors) - middle * unit(facing)
    return _polar(circle_centre, radius, np.linspace(facing - half, facing + half, 64))


def corner_path(factors: Factors) -> Points:
    """Two straight arms meeting at a vertex that points towards `orientation`, centred like a curve."""
    facing, half, arm = _f(factors, "orientation"), _f(factors, "opening") / 2, _f(factors, "arm")
    # The point halfway between the vertex and the segment joining the arms' ends sits at the image centre.
    depth = arm * np.cos(np.deg2rad(half))
    vertex = _centre(factors) + depth / 2 * unit(facing)
    return np.stack([vertex + arm * unit(facing + 180 - half), vertex, vertex + arm * unit(facing + 180 + half)])


def line_path(factors: Factors) -> Points:
    """A straight segment of `length` through the (jittered) centre along `orientation`."""
    half = _f(factors, "length") / 2 * unit(_f(factors, "orientation"))
    return np.stack([_centre(factors) - half, _centre(factors) + half])


def circle_path(factors: Factors) -> Points:
    """A closed circle outline of `radius`."""
    return _polar(_centre(factors), _f(factors, "radius"), np.linspace(0.0, 360.0, 97))


def spiral_path(factors: Factors) -> Points:
    """An Archimedean spiral r ∝ θ of `turns` turns out to `radius`; its inner end lies at angle `orientation`."""
    # Start a sixth of a turn out: nearer r = 0 the stroke is only a blob. Then wind exactly `turns` turns.
    swept = np.linspace(60.0, 60.0 + 360.0 * _f(factors, "turns"), 240)
    total = swept[-1]
    sign = 1.0 if factors["direction"] == "ccw" else -1.0
    angles = _f(factors, "orientation") + sign * (swept - swept[0])
    return _polar(_centre(factors), _f(factors, "radius") * swept / total, angles)


def s_curve_path(factors: Factors) -> Points:
    """One full sine period along `orientation`: two opposite bumps joined smoothly."""
    length, amplitude = _f(factors, "length"), _f(factors, "amplitude")
    t = np.linspace(-0.5, 0.5, 96)
    offset = amplitude * np.sin(2 * np.pi * t) * (-1.0 if factors["mirrored"] else 1.0)
    along, across = unit(_f(factors, "orientation")), unit(_f(factors, "orientation") + 90.0)
    return _centre(factors) + (length * t)[:, None] * along + offset[:, None] * across


PATHS: dict[str, Callable[[Factors], Points]] = {
    "circle": circle_path,
    "corner": corner_path,
    "curve": curve_path,
    "line": line_path,
    "s_curve": s_curve_path,
    "spiral": spiral_path,
}


def stroke_level(factors: Factors) -> float:
    """Gray level of the stroke: `contrast` away from the background, darker on light backgrounds."""
    level, contrast = _f(factors, "background_level"), _f(factors, "contrast")
    return float(np.clip(level - contrast if level >= 0.5 else level + contrast, 0.0, 1.0))


def render_stroke(pattern: str, factors: Factors, rng: np.random.Generator, size: int) -> Image.Image:
    """Draw a stroke pattern's path over its background."""
    base = gray(background(factors, rng, size))
    level = stroke_level(factors)
    # Chroma needs room: near black or white every hue collapses to gray, so keep coloured strokes mid-range.
    ink = equiluminant(_f(factors, "hue"), float(np.clip(level, 0.2, 0.8)), 0.9) if factors["color"] else level
    alpha = stroke_mask([PATHS[pattern](factors)], _f(factors, "width"), size)[..., None]
    return to_image(base * (1 - alpha) + np.asarray(ink) * alpha)
