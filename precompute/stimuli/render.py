"""One stimulus: draw a pattern's factors from a generator, then render them with the pattern's drawing code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from precompute.stimuli.factors import FactorValue, draw_factors
from precompute.stimuli.shapes import PATHS, render_stroke
from precompute.stimuli.textures import render_color_edge, render_frequency_boundary

Renderer = Callable[[Mapping[str, FactorValue], np.random.Generator, int], Image.Image]


@dataclass(frozen=True)
class Stimulus:
    """One generated image, the pattern that drew it, the factors that made it and, in the demo's world, its class."""

    image: Image.Image  # RGB, size×size
    pattern: str
    factors: dict[str, FactorValue]
    label: str = ""  # the world's class (precompute.stimuli.world), the image's label; empty for a bare drawing


def _stroke(pattern: str) -> Renderer:
    return lambda factors, rng, size: render_stroke(pattern, factors, rng, size)


RENDERERS: dict[str, Renderer] = {
    **{pattern: _stroke(pattern) for pattern in PATHS},
    "color_edge": render_color_edge,
    "frequency_boundary": render_frequency_boundary,
}


def generate(pattern: str, rng: np.random.Generator, size: int = 64, **fixed: object) -> Stimulus:
    """Draw a pattern's factors from rng (except those fixed by keyword) and render a size×size RGB image."""
    if size < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size}")
    factors = draw_factors(pattern, rng, fixed, size)
    return Stimulus(RENDERERS[pattern](factors, rng, size), pattern, factors)
