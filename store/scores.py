"""Measured per-unit numbers the store can hold, by name: one entry here declares a score everywhere.

A score is a float per unit of a layer, written by a precompute stage (store.writer.put_scores) and shown by the
app as a badge on unit pages and grids, a sort and filter of the layer grid and a histogram on branch pages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """What a score is called, what it means for a student, and its range."""

    name: str  # stored name, also the API's key
    title: str  # short, for badges and axes
    meaning: str  # one or two sentences: how it is computed and how to read it
    low: float = 0.0
    high: float = 1.0
    unit: str = ""  # what the number counts, written after it ("°"); empty for a plain ratio
    digits: int = 2  # decimals shown

    def __post_init__(self) -> None:
        # Stored in `unit_scores.score` (32 characters) and in its stage's name, "scores:<name>" (32 too).
        if not self.name.isidentifier() or len(self.name) > 25:
            raise ValueError(f"score name {self.name!r}: an identifier of at most 25 characters")


BW_RATIO = Score(
    name="bw_ratio",
    title="black & white",
    meaning=(
        "How much of the unit's response survives when images are converted to grayscale (ITU-R BT.601 luma, "
        "before the model's normalization): its peak activation on each image (the maximum over positions, "
        "negatives counted as 0), summed over its top dataset examples and a fixed random sample of the image "
        "folder, in grayscale divided by in colour, clipped to [0, 1]. Near 1: it responds to shape and "
        "brightness alone; near 0: it needs colour. A unit that never responds to these images has no score."
    ),
)

# Measured with tuning curves (precompute.tuning): parametric stimuli at the unit's receptive-field centre and size.
ORIENTATION = Score(
    name="orientation",
    title="preferred orientation",
    meaning=(
        "The direction, in degrees (0–360, counter-clockwise from pointing right), of the oriented stimulus that "
        "drives the unit most: the argument of the response-weighted mean of the orientation curve's unit vectors."
    ),
    low=0.0,
    high=360.0,
    unit="°",
    digits=0,
)
ORIENTATION_SELECTIVITY = Score(
    name="orientation_selectivity",
    title="orientation selectivity",
    meaning=(
        "How sharply the unit prefers one orientation: |Σ r(θ)·e^{iθ}| / Σ r(θ) over its orientation curve "
        "(responses below zero counted as 0). 0: all orientations alike; 1: a single orientation."
    ),
)
CURVE = Score(
    name="curve",
    title="curve",
    meaning=(
        "How much more the unit responds to curves than to straight lines at its preferred orientation: "
        "(best curve − best line) / (best curve + best line), responses below zero counted as 0, mapped to [0, 1]."
    ),
)
LINE = Score(
    name="line",
    title="line",
    meaning="How strongly the unit prefers an oriented straight line or edge to the other stimuli, in [0, 1].",
)
COLOUR = Score(
    name="colour",
    title="colour",
    meaning="How strongly the unit prefers a hue to grey of equal brightness, in [0, 1].",
)
FREQUENCY = Score(
    name="frequency",
    title="frequency",
    meaning="How selective the unit is for one spatial frequency of gratings, in [0, 1].",
)

SCORES: dict[str, Score] = {
    score.name: score for score in (BW_RATIO, ORIENTATION, ORIENTATION_SELECTIVITY, CURVE, LINE, COLOUR, FREQUENCY)
}
# The families a layer's units can be ranked by (layer family views, /compare): each a score above.
FAMILY_SCORES: dict[str, Score] = {"curves": CURVE, "lines": LINE, "colour": COLOUR, "frequency": FREQUENCY}


def get(name: str) -> Score:
    """The score called `name`; KeyError naming the known ones otherwise."""
    try:
        return SCORES[name]
    except KeyError:
        raise KeyError(f"unknown score {name!r}; known: {', '.join(SCORES)}") from None
