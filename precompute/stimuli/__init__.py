"""Procedural stimuli: seven families of simple images with first-class generating factors.

They train the offline demo network (the family is the label) and drive tuning curves (a unit's response as one
factor — orientation, curvature, hue… — is swept with the others held). Everything is deterministic from a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from precompute.stimuli.factors import FAMILIES, FactorValue, draw_factors, factor_names
from precompute.stimuli.shapes import PATHS, render_stroke
from precompute.stimuli.textures import render_color_edge, render_frequency_boundary

# Bump whenever a change alters the pixels or factors a seed produces: datasets written by an older version rebuild.
GENERATOR_VERSION = "1"

__all__ = ["FAMILIES", "GENERATOR_VERSION", "Stimulus", "factor_names", "generate", "sample", "write_dataset"]


@dataclass(frozen=True)
class Stimulus:
    """One generated image, its family (the class label) and the factors that made it."""

    image: Image.Image  # RGB, size×size
    family: str
    factors: dict[str, FactorValue]


def _renderer(family: str) -> Callable[[dict[str, FactorValue], np.random.Generator, int], Image.Image]:
    if family == "frequency_boundary":
        return render_frequency_boundary
    if family == "color_edge":
        return render_color_edge
    return lambda factors, rng, size: render_stroke(family, factors, rng, size)


def generate(family: str, rng: np.random.Generator, size: int = 64, **fixed: object) -> Stimulus:
    """Draw a family's factors from rng (except those fixed by keyword) and render a size×size RGB image."""
    factors = draw_factors(family, rng, fixed)
    if size < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size}")
    return Stimulus(_renderer(family)(factors, rng, size), family, factors)


assert set(FAMILIES) == set(PATHS) | {"frequency_boundary", "color_edge"}  # every family has a renderer

from precompute.stimuli.dataset import sample, write_dataset  # noqa: E402  (dataset uses generate above)
