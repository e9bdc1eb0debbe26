"""Procedural stimuli: seven families of simple images with first-class generating factors.

They train the offline demo network (the family is the label) and drive tuning curves (a unit's response as one
factor — orientation, curvature, hue… — is swept with the others held). Everything is deterministic from a seed.
Layout: factors.py (names, ranges, drawing) · draw.py (shared drawing helpers) · shapes.py, textures.py (the
families) · render.py (generate) · dataset.py (balanced streams and the on-disk dataset).
"""

from __future__ import annotations

from precompute.stimuli.dataset import GENERATOR_VERSION, sample, stimulus_at, write_dataset
from precompute.stimuli.factors import FAMILIES, factor_names
from precompute.stimuli.render import Stimulus, generate

__all__ = [
    "FAMILIES",
    "GENERATOR_VERSION",
    "Stimulus",
    "factor_names",
    "generate",
    "sample",
    "stimulus_at",
    "write_dataset",
]
