"""Numbers computed in float32 (activations, weights, kernels), written in JSON as the shortest decimal that reads
back as the same float32, without float64's extra digits.

The search tries 1, 2, … significant digits until one reads back, rounding correctly at each; numpy's shortest
float32 printing says where to start, so a number costs one or two tries instead of up to nine. For a list's numbers,
numpy's printing is the answer itself, found in one call: it is the correctly rounded decimal of that many digits
whenever a float32's neighbours lie equally far on both sides, that is for every float32 but the powers of two, which
go through the search.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

MAX_DIGITS = 9  # 9 significant digits always round-trip a float32
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_MANTISSA = np.uint32(0x007FFFFF)  # a float32's fraction bits: all zero for a power of two


def _digits(text: str) -> int:
    """The significant digits of a printed number ('0.00125' → 3, '1.5e-07' → 2, '120.0' → 2)."""
    return max(len(text.partition("e")[0].lstrip("-").replace(".", "").strip("0")), 1)


def _shortest(single: float, start: int) -> float:
    """The float with the fewest significant digits (from `start` on) that reads back as the float32 `single`."""
    target = struct.pack("<f", single)
    for digits in range(min(start, MAX_DIGITS), MAX_DIGITS + 1):
        shortest = float(f"{single:.{digits}g}")
        if struct.pack("<f", shortest) == target:
            return shortest
    return single


def float32(value: float) -> float:
    """The shortest decimal that reads back as the same float32: the precision the store's numbers were computed in."""
    try:
        single = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:  # beyond float32's range: not from a float32, keep it
        return value
    return _shortest(single, _digits(str(np.float32(single))))


def _floats(value: Any, found: list[float]) -> None:
    if isinstance(value, list):
        for item in value:
            _floats(item, found)
    elif isinstance(value, float):
        found.append(value)


def _replaced(value: Any, shortest: Any) -> Any:
    if isinstance(value, list):
        return [_replaced(item, shortest) for item in value]
    return next(shortest) if isinstance(value, float) else value


def float32_nested(value: Any) -> Any:
    """`float32` of every float in nested lists (rows of a kernel, a map, a curve); other items as they are."""
    found: list[float] = []
    _floats(value, found)
    if not found:
        return _replaced(value, iter(()))
    values = np.array(found, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        singles = values.astype(np.float32)
    printed = singles.astype(str).astype(np.float64).tolist()
    # The search for powers of two (and infinities, NaN, numbers beyond float32's range): a power of two's neighbour
    # below is half as far as the one above, so numpy may print a shorter decimal than correct rounding. Zeros (maps
    # are full of them) print as the search finds them: 0.0 and -0.0.
    searched = ((singles.view(np.uint32) & _MANTISSA) == 0) & (singles != 0) | ~(np.abs(values) <= _FLOAT32_MAX)
    for i in np.flatnonzero(searched).tolist():
        printed[i] = float32(found[i])
    return _replaced(value, iter(printed))
