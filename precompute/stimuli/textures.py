"""Boundary patterns: frequency_boundary (fine texture | smooth) and color_edge (hue | hue at equal luminance)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image

from precompute.stimuli.draw import SUPERSAMPLE, background, colourize, equiluminant, gray, grid, shrink, to_image, unit

Factors = Mapping[str, object]


def _f(factors: Factors, name: str) -> float:
    return float(factors[name])  # type: ignore[arg-type]


def half_plane(factors: Factors, normal_deg: float, size: int) -> np.ndarray:
    """Coverage of the half plane beyond the (jittered) centre in direction normal_deg, anti-aliased."""
    x, y = grid(size)
    centre = (0.5 + _f(factors, "position_x"), 0.5 - _f(factors, "position_y"))
    normal = unit(normal_deg)
    distance = (x - centre[0]) * normal[0] + (y - centre[1]) * normal[1]  # signed, in image sides
    # A one-pixel linear ramp: the exact coverage of a pixel by a straight edge, to within a few percent.
    return np.clip(0.5 + distance * size, 0.0, 1.0)


def texture(factors: Factors, rng: np.random.Generator, size: int) -> np.ndarray:
    """A zero-mean pattern in [-1, 1] at `high_frequency` cycles per image: stripes, checks or blotchy noise."""
    x, y = grid(size * SUPERSAMPLE)
    cycles = _f(factors, "high_frequency")
    along, across = unit(_f(factors, "texture_angle")), unit(_f(factors, "texture_angle") + 90.0)
    cells = max(2, round(3 * cycles))  # bicubic blobs of a cell or two: most energy near `cycles`
    noise = rng.standard_normal((cells, cells)).astype(np.float32)  # drawn always, so the rng stays in step
    kind = factors["texture"]
    if kind == "noise":
        big = Image.fromarray(noise, mode="F").resize((size * SUPERSAMPLE,) * 2, Image.Resampling.BICUBIC)
        pattern = np.tanh(1.5 * np.asarray(big))
    else:
        pattern = np.sin((2 * np.pi * cycles) * (x * along[0] + y * along[1]))
        if kind == "checks":
            pattern = np.sign(pattern * np.sin((2 * np.pi * cycles) * (x * across[0] + y * across[1])))
    # Shrink the pattern shifted into [0, 1] (shrink clips to that range) and shift it back.
    return shrink((pattern.astype(np.float32) + 1) / 2, size) * 2 - 1


def render_frequency_boundary(factors: Factors, rng: np.random.Generator, size: int) -> Image.Image:
    """A smooth background on one side of a straight boundary, a fine texture of the same mean on the other."""
    smooth = background(factors, rng, size)
    amplitude = _f(factors, "contrast") / 2
    fine = np.clip(_f(factors, "background_level"), amplitude, 1 - amplitude) + amplitude * texture(factors, rng, size)
    normal = _f(factors, "orientation") + (90.0 if factors["side"] == "left" else -90.0)
    mask = half_plane(factors, normal, size)
    levels = smooth * (1 - mask) + fine * mask
    return to_image(colourize(levels, _f(factors, "hue"), 0.7) if factors["color"] else gray(levels))


def render_color_edge(factors: Factors, rng: np.random.Generator, size: int) -> Image.Image:
    """Two equiluminant colours meeting at a straight boundary; hue_a lies in direction `orientation`."""
    luminance, saturation = _f(factors, "luminance"), _f(factors, "saturation")
    colour_a = equiluminant(_f(factors, "hue_a"), luminance, saturation)
    colour_b = equiluminant(_f(factors, "hue_b"), luminance, saturation)
    mask = half_plane(factors, _f(factors, "orientation"), size)[..., None]
    # The background style only modulates brightness gently and equally on both sides.
    shade = 0.4 * (background({**factors, "background_level": 0.5}, rng, size) - 0.5)
    return to_image(colour_b + mask * (colour_a - colour_b) + shade[..., None])
