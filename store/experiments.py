"""An experiment on a model: an edit of the network named by one short string, which is also its address.

    ablate:mixed4a:40,51,54          the units' activations set to 0 wherever the network computes them
    mean-ablate:mixed4a:40,51,54     … set to each unit's mean over the dataset images instead
    cut-negative:mixed4a:40,51,54    the negative weights of the conv computing each unit set to 0
    cut-positive:mixed4a:40,51,54    … its positive weights
    rebuild:mixed4a:40,51,54         the weights into each unit replaced by the curve rule over the previous layer's
                                     curve units (precompute.edits.OrientationRule), scaled to fit

`Experiment.parse` reads that form (any unit order, repeats and spaces) and `str()` writes the canonical one: units
sorted, each once. The result of running one (precompute.experiments) is a JSON object (`ExperimentResult`) the store
keeps by model and canonical spec; torch-free, so the app parses the same addresses.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

ABLATE = "ablate"
MEAN_ABLATE = "mean-ablate"
CUT_NEGATIVE = "cut-negative"
CUT_POSITIVE = "cut-positive"
REBUILD = "rebuild"
KINDS: dict[str, str] = {
    ABLATE: "remove the units: their activations set to 0",
    MEAN_ABLATE: "remove the units: their activations set to their mean over the dataset images",
    CUT_NEGATIVE: "cut the negative weights into the units (of the conv that computes each)",
    CUT_POSITIVE: "cut the positive weights into the units (of the conv that computes each)",
    REBUILD: "rebuild the units by hand: the weight from each curve unit of the previous layer preferring φ into a "
    "unit preferring θ set to a·cos(θ − φ), 0 from every other unit, with a and an offset fitted per unit",
}
CUTS = (CUT_NEGATIVE, CUT_POSITIVE)
MAX_UNITS = 1024  # an experiment edits at most this many units: a layer's worth, and a bounded address
FORMAT_HELP = (
    "expected 'kind:layer:units', e.g. 'ablate:mixed4a:40,51,54', with kind one of "
    + ", ".join(KINDS)
    + " and units whole numbers separated by commas"
)
_SPEC = re.compile(r"^\s*(?P<kind>[a-z-]+)\s*:\s*(?P<layer>[A-Za-z0-9_.\-]+)\s*:\s*(?P<units>[0-9 ,]+?)\s*$")

PRECOMPUTED = "precomputed"  # a result's `origin`: run by `microscope precompute` (else "live", by a worker)
ExperimentResult = dict[str, Any]  # what precompute.experiments measured: see its `result` for the keys


@dataclass(frozen=True)
class Experiment:
    """An edit of one layer's units: `kind` (a key of KINDS), the layer, and the units, sorted and distinct."""

    kind: str
    layer: str
    units: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown experiment kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        if not self.units:
            raise ValueError("an experiment names at least one unit")
        if len(self.units) > MAX_UNITS:
            raise ValueError(f"an experiment names at most {MAX_UNITS} units, got {len(self.units)}")
        object.__setattr__(self, "units", tuple(sorted(set(self.units))))

    @classmethod
    def parse(cls, text: str) -> Experiment:
        """Read 'kind:layer:units'; ValueError saying what is expected otherwise."""
        match = _SPEC.match(text)
        if not match:
            shown = text if len(text) <= 60 else text[:60] + "…"
            raise ValueError(f"not an experiment: {shown!r}; {FORMAT_HELP}")
        numbers = [part.strip() for part in match["units"].split(",") if part.strip()]
        if any(len(n) > 9 for n in numbers):
            raise ValueError(f"a unit number in {match['units'].strip()!r} is out of range")
        return cls(match["kind"], match["layer"], tuple(int(n) for n in numbers))

    def __str__(self) -> str:
        return f"{self.kind}:{self.layer}:{','.join(map(str, self.units))}"

    @property
    def key(self) -> str:
        """The canonical spec's SHA-256 (hex): what the store keys a model's experiments by."""
        return hashlib.sha256(str(self).encode()).hexdigest()

    @property
    def is_cut(self) -> bool:
        """Whether the edit changes weights (else it replaces activations)."""
        return self.kind in CUTS

    @property
    def title(self) -> str:
        """What the edit does, in words: 'Remove 3 units of mixed4a (set to 0)'."""
        count = f"{len(self.units)} unit{'s' if len(self.units) != 1 else ''} of {self.layer}"
        return {
            ABLATE: f"Remove {count} (set to 0)",
            MEAN_ABLATE: f"Remove {count} (set to their mean)",
            CUT_NEGATIVE: f"Cut the negative weights into {count}",
            CUT_POSITIVE: f"Cut the positive weights into {count}",
            REBUILD: f"Rebuild {count} by hand from the curve rule",
        }[self.kind]
