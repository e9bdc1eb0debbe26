"""Progress bars of the precompute stages: one tqdm bar per stage, advanced often enough never to stand still.

A stage whose items take long (a batch of images optimized together, a layer's connections or crops) advances its
bar by fractions of an item or per unit, so on a busy CPU the bar still moves every few seconds.
"""

from __future__ import annotations

from tqdm.auto import tqdm

# The count is a float where a stage advances by fractions of an item: shown rounded, it reads as whole items.
BAR_FORMAT = "{l_bar}{bar}| {n:.0f}/{total_fmt} {unit} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def stage_bar(desc: str, total: int, unit: str, *, enabled: bool = True) -> tqdm:
    """A stage's bar over `total` items (`unit` names them); silent unless `enabled`."""
    return tqdm(total=total, desc=desc, unit=unit, bar_format=BAR_FORMAT, disable=not enabled)
