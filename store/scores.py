"""Measured per-unit numbers the store can hold, by name: one entry here declares a score everywhere.

A score is a float per unit of a layer, written by a precompute stage (store.writer.put_scores) and shown by the
app as a badge on unit pages and grids, a sort and filter of the layer grid and a histogram on branch pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    short: str = ""  # the abbreviation grid tiles show (spelled out beside them); empty: the title itself
    circular: bool = False  # an angle: averaged round the circle (store.circle), not on a line
    weak_below: float | None = None  # a family member scoring below this prefers other stimuli as much (pages warn)

    def __post_init__(self) -> None:
        # Stored in `unit_scores.score` (32 characters) and in its stage's name, "scores:<name>" (32 too).
        if not self.name.isidentifier() or len(self.name) > 25:
            raise ValueError(f"score name {self.name!r}: an identifier of at most 25 characters")


BW_RATIO = Score(
    name="bw_ratio",
    title="black & white",
    short="B/W",
    meaning=(
        "How much of the unit's response survives when images are converted to grayscale (ITU-R BT.601 luma, "
        "before the model's normalization): its peak activation on each image (the maximum over positions, "
        "negatives counted as 0), summed over its top dataset examples and a fixed random sample of the image "
        "folder, in grayscale divided by in colour, clipped to [0, 1]. Near 1: it responds to shape and "
        "brightness alone; near 0: it needs colour. A unit that never responds to these images has no score."
    ),
)

# Measured with tuning curves (precompute.tuning): parametric stimuli at the unit's receptive-field centre and size.
# r(s) below is the unit's activation to stimulus s (its maximum over the map positions inside the stimulus patch)
# minus its activation to a plain grey image, negatives counted as 0; a unit with every r(s) = 0 gets no score.
ORIENTATION = Score(
    name="orientation",
    title="preferred orientation",
    meaning=(
        "The direction, in degrees (0–360, counter-clockwise from pointing right), that the oriented stimuli "
        "driving the unit most face: the argument of Σ r(θ)·e^{iθ} over 24 angles, where r(θ) is the best of a "
        "line, an edge (its bright side facing θ) and a curve (its convex side facing θ, any of three radii)."
    ),
    low=0.0,
    high=360.0,
    unit="°",
    digits=0,
    short="θ",
    circular=True,
)
ORIENTATION_SELECTIVITY = Score(
    name="orientation_selectivity",
    title="orientation selectivity",
    short="OSI",
    meaning=(
        "How sharply the unit prefers one orientation: |Σ r(θ)·e^{iθ}| / Σ r(θ) over the same orientation curve as "
        "the preferred orientation. 0: all orientations alike; 1: a single orientation."
    ),
)
CURVE = Score(
    name="curve",
    title="curve",
    meaning=(
        "How much more the unit responds to curves than to straight lines: C / (C + L), with C its best response "
        "to a curve (any orientation and radius) and L to a line or edge (any orientation). 0.5: alike; 1: curves "
        "only; 0: lines only."
    ),
    weak_below=0.5,
)
LINE = Score(
    name="line",
    title="line",
    meaning=(
        "How much more the unit responds to straight lines and edges than to the other stimuli: L / (L + O), with "
        "L its best response to a line or edge and O to a curve, a colour disk or a grating. 0.5: alike."
    ),
    weak_below=0.5,
)
COLOUR = Score(
    name="colour",
    title="colour",
    meaning=(
        "What colour alone adds: (H − G) / R clipped to [0, 1], with H its best response to a disk of one of 24 "
        "hues, G to a grey disk of the same luma and R to any stimulus. 0: colour adds nothing to grey; 1: the "
        "colour disk is its best stimulus and the grey one leaves it at rest."
    ),
)
FREQUENCY = Score(
    name="frequency",
    title="frequency",
    meaning=(
        "How selective the unit is for one spatial frequency of gratings (1, 2, 4 and 8 cycles per receptive field, "
        "best orientation each): (max − mean) / R · n / (n − 1) over the n frequencies, clipped to [0, 1], with R "
        "its best response to any stimulus. 0: every frequency alike; 1: one frequency, as strongly as its best "
        "stimulus."
    ),
)

SCORES: dict[str, Score] = {
    score.name: score for score in (BW_RATIO, ORIENTATION, ORIENTATION_SELECTIVITY, CURVE, LINE, COLOUR, FREQUENCY)
}
# The families a layer's units can be ranked by (layer family views, /compare): each a score above.
FAMILY_SCORES: dict[str, Score] = {"curves": CURVE, "lines": LINE, "colour": COLOUR, "frequency": FREQUENCY}
FAMILY_TOP = 16  # a layer's family is its top 16 members by the family's score: the family page's default, and what
# the standard experiments remove (precompute.experiments)
# The demo's classes (precompute/stimuli/world.py, the label of every demo image) that each family's
# units should answer: a member's top dataset examples are mostly of these classes. Its ground truth: where a store's
# images carry these labels, what a family score selects can be checked against them (bench/score_validity.py).
FAMILY_CLASSES: dict[str, tuple[str, ...]] = {
    "curves": tuple(f"curve_{facing}" for facing in ("e", "ne", "n", "nw", "w", "sw", "s", "se")),
    "lines": ("line",),
    "colour": ("red_green", "blue_yellow", "magenta_cyan", "orange_azure"),
    "frequency": ("frequency_boundary",),
}


def get(name: str) -> Score:
    """The score called `name`; KeyError naming the known ones otherwise."""
    try:
        return SCORES[name]
    except KeyError:
        raise KeyError(f"unknown score {name!r}; known: {', '.join(SCORES)}") from None


# The orientation selectivity from which a unit counts as preferring an orientation: a curve detector (the findings),
# a unit whose preferred orientation counts towards a family's coverage of the circle (the family pages).
ORIENTED_SELECTIVITY = 0.3

# Family membership (precompute.evidence gates it, the app lists only members, bench/score_validity.py checks it).
TOP_EXAMPLES = 16  # a unit's top dataset examples that say what it answers
BELONGS_SHARE = 0.5  # a unit's top examples belong to a family when at least this share is of its classes
PEAK_SHARE = 0.5  # a member's best family stimulus response is at least this share of its dataset peak
# What each family's stimuli are, for sentences: "its curve stimulus response".
FAMILY_STIMULI: dict[str, str] = {
    "curves": "curve",
    "lines": "line or edge",
    "colour": "colour disk",
    "frequency": "grating",
}


def demo_labelled(labels: Iterable[str | None]) -> bool:
    """Whether dataset image labels include classes FAMILY_CLASSES names (the demo's): then top examples are checked."""
    known = {c for classes in FAMILY_CLASSES.values() for c in classes}
    return any(label in known for label in labels)


def class_share(labels: Sequence[str | None], family: str) -> float | None:
    """The share of a unit's top-example `labels` (best first; the first TOP_EXAMPLES count) of the family's
    classes; None without examples."""
    top = labels[:TOP_EXAMPLES]
    return sum(label in FAMILY_CLASSES[family] for label in top) / len(top) if top else None


def belongs(share: float | None) -> bool:
    """Whether top examples with this class share belong to the family (the one definition: gate, bench, pages)."""
    return share is not None and share >= BELONGS_SHARE


def passes_gate(stimulus: float, blank: float, peak: float | None, share: float | None) -> bool | None:
    """Whether a unit joins a family: its best family stimulus response above the blank is at least PEAK_SHARE of
    its dataset peak above the blank (a unit that idles high passes nothing on its idling) and, where its top
    examples carry the demo's labels, they belong to the family; None without a dataset peak above the blank."""
    if peak is None or peak <= blank:
        return None
    return stimulus - blank >= PEAK_SHARE * (peak - blank) and (share is None or belongs(share))


def gate_rule(family: str, labelled: bool) -> str:
    """What a unit passes to join a family, as a sentence: "a member's curve stimulus response is … curve images"."""
    stimuli = FAMILY_STIMULI[family]
    rule = (
        f"a member's best {stimuli} stimulus response is at least {PEAK_SHARE:.0%} of its dataset peak "
        "(both above its response to a blank image)"
    )
    if labelled:
        rule += f" and at least {BELONGS_SHARE:.0%} of its top {TOP_EXAMPLES} examples are {class_phrase(family)}"
    return rule


def class_phrase(family: str) -> str:
    """The images a family's members answer, in words: "line images", "curve_e … curve_se images (8 classes)"."""
    classes = FAMILY_CLASSES[family]
    if len(classes) <= 2:
        return " or ".join(c.replace("_", " ") for c in classes) + " images"
    return f"{classes[0]} … {classes[-1]} images (its {len(classes)} classes)"
