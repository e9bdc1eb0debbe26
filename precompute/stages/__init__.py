"""The precompute stages, in the order a run walks them (precompute.pipeline).

Each stage is one `Stage` declaration in a module of this package: its name, when a run has it, what is left of it,
how it runs in this process and as Ray tasks, and its part of the summary. A stage that reads what another stored
comes after it: colour scores read the examples, cards and figures everything before them.
"""

from __future__ import annotations

from typing import Any

from precompute.stages.connections import CONNECTIONS
from precompute.stages.drawn import CARDS, EXPERIMENTS, FIGURES, FINDINGS
from precompute.stages.examples import EXAMPLES
from precompute.stages.feature_vis import FEATURE_VIS
from precompute.stages.scores import COLOUR, TUNING
from precompute.stages.stage import PrecomputeSummary, Run, Stage

STAGES: tuple[Stage[Any, Any], ...] = (
    EXAMPLES,
    COLOUR,
    TUNING,
    CONNECTIONS,
    FEATURE_VIS,
    CARDS,
    FIGURES,
    FINDINGS,
    EXPERIMENTS,
)

__all__ = ["STAGES", "PrecomputeSummary", "Run", "Stage"]
