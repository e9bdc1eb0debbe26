"""Statistics of angles (degrees), which a plain average gets wrong: 350° and 10° average to 180°, not 0°.

Coverage: the angles sorted round the circle, the gap from each to the next (the last to the first across 360°),
and `covers` = 360° − the widest gap: the smallest arc that holds every angle (0 for one angle, none for no angle).
Used by the family pages (app.families) and the findings (precompute.findings) alike.
Centre and spread: the circular mean (the direction of the angles' mean unit vector, Σ e^{iθ}), the circular median
(the angle of the set with the least summed arc distance to the others) and the circular standard deviation,
√(−2 ln R) in degrees with R the mean vector's length (0° when all agree; large when they spread round the circle).
Used by the branch pages (app.branches) for the preferred orientation.
"""

from __future__ import annotations

import math
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


_BALANCED = 1e-9  # a mean unit vector shorter than this has no direction


def _resultant(angles: Sequence[float]) -> tuple[float, float]:
    """The mean of the angles' unit vectors, as (x, y)."""
    n = len(angles)
    return (
        sum(math.cos(math.radians(a)) for a in angles) / n,
        sum(math.sin(math.radians(a)) for a in angles) / n,
    )


def circular_mean(angles: Sequence[float]) -> float | None:
    """The direction of the angles' mean unit vector in [0, 360); None for no angle or when they cancel out."""
    if not angles:
        return None
    x, y = _resultant(angles)
    if math.hypot(x, y) < _BALANCED:
        return None  # opposite angles in balance: no mean direction
    mean = math.degrees(math.atan2(y, x)) % 360.0
    return 0.0 if mean >= 360.0 - 1e-9 else mean


def arc(a: float, b: float) -> float:
    """The shorter arc between two angles, in [0, 180]."""
    d = abs(a - b) % 360.0
    return min(d, 360.0 - d)


def circular_median(angles: Sequence[float]) -> float | None:
    """The angle of the set whose summed arc distance to all of them is least (the first such); None for none."""
    if not angles:
        return None
    return min(angles, key=lambda a: sum(arc(a, b) for b in angles)) % 360.0


def circular_spread(angles: Sequence[float]) -> float | None:
    """The circular standard deviation √(−2 ln R) in degrees (R: the mean unit vector's length); None for none, or
    when they balance out (no mean direction to spread about)."""
    if not angles:
        return None
    length = math.hypot(*_resultant(angles))
    if length < _BALANCED:
        return None
    return math.degrees(math.sqrt(max(0.0, -2.0 * math.log(min(length, 1.0)))))
