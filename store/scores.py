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

SCORES: dict[str, Score] = {score.name: score for score in (BW_RATIO,)}


def get(name: str) -> Score:
    """The score called `name`; KeyError naming the known ones otherwise."""
    try:
        return SCORES[name]
    except KeyError:
        raise KeyError(f"unknown score {name!r}; known: {', '.join(SCORES)}") from None
