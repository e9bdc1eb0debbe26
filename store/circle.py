"""How much of the circle a set of angles covers: the widest gap between neighbours, and 360° − it.

The angles sorted round the circle, the gap from each to the next (the last to the first across 360°), and
`covers` = 360° − the widest gap: the smallest arc that holds every angle (0 for one angle, none for no angle).
Used by the family pages (app.families) and the findings (precompute.findings) alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """The widest gap between neighbouring angles (from, to, its width) and what the rest covers, in degrees."""

    count: int
    largest_gap: float | None
    gap_from: float | None
    gap_to: float | None

    @property
    def covers(self) -> float | None:
        """360° − the widest gap: the degrees of the smallest arc holding every angle (None: no angle)."""
        return None if self.largest_gap is None else 360.0 - self.largest_gap


def coverage(angles: Sequence[float]) -> Coverage:
    """The coverage of `angles` (degrees, any range: taken modulo 360)."""
    ordered = sorted(a % 360.0 for a in angles)
    if not ordered:
        return Coverage(0, None, None, None)
    # gaps[i] runs from ordered[i] up to the next one; the last runs across 360° to the first (all of it for one angle)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)] + [ordered[0] + 360.0 - ordered[-1]]
    widest = max(range(len(gaps)), key=lambda i: (gaps[i], -i))
    return Coverage(len(ordered), gaps[widest], ordered[widest], ordered[(widest + 1) % len(ordered)])
