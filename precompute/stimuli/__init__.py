"""Procedural stimuli: patterns of simple images with first-class generating factors, and the demo's world.

The world's classes (world.py: patterns with narrowed factors, in clutter) train the offline demo network (the
class is the label); the patterns drive tuning curves (a unit's response as one
factor — orientation, curvature, hue… — is swept with the others held). Everything is deterministic from a seed.
Layout: factors.py (names, ranges, drawing) · draw.py (shared drawing helpers) · shapes.py, textures.py (the
patterns) · render.py (generate) · dataset.py (balanced streams and the on-disk dataset).
"""

from __future__ import annotations

from precompute.stimuli.dataset import GENERATOR_VERSION, sample, stimulus_at, write_dataset
from precompute.stimuli.factors import PATTERNS, factor_names
from precompute.stimuli.render import Stimulus, generate
from precompute.stimuli.world import CLASS_NAMES, CLASSES, CURVE_CLASSES

__all__ = [
    "CLASSES",
    "CLASS_NAMES",
    "CURVE_CLASSES",
    "PATTERNS",
    "GENERATOR_VERSION",
    "Stimulus",
    "factor_names",
    "generate",
    "sample",
    "stimulus_at",
    "write_dataset",
]
