"""JSON's float32 numbers: the shortest decimal that reads back as the same float32, for lists as for one number."""

from __future__ import annotations

import math
import struct

import numpy as np

from app.web.float32 import float32, float32_nested


def _searched(value: float) -> float:
    """The definition, digit by digit: the fewest significant digits, correctly rounded, that read back."""
    single = struct.unpack("<f", struct.pack("<f", value))[0]
    return next(
        float(f"{single:.{d}g}")
        for d in range(1, 10)
        if struct.pack("<f", float(f"{single:.{d}g}")) == struct.pack("<f", single)
    )


def _awkward() -> list[float]:
    """Powers of two (whose neighbours are not equally far), subnormals, integers past 2**24 and random floats."""
    rng = np.random.default_rng(0)
    powers = [2.0**e for e in range(-149, 128)]
    spread = (rng.standard_normal(20_000) * 10.0 ** rng.integers(-35, 35, 20_000)).astype(np.float32)
    subnormal = (np.arange(1, 2_000) * 2.0**-149).astype(np.float32)
    large = (np.arange(1, 2_000, dtype=np.float64) * 256 + 2**24).astype(np.float32)
    zeros = [0.0, -0.0, 0.0]  # activation maps are mostly zeros
    return zeros + powers + [-p for p in powers] + np.concatenate([spread, subnormal, large]).astype(float).tolist()


def test_one_number_is_the_shortest_correctly_rounded_decimal() -> None:
    values = _awkward()
    assert [float32(v) for v in values] == [_searched(v) for v in values]
    assert float32(0.4362299144268036) == 0.4362299 and float32(2.0**-96) == _searched(2.0**-96)


def test_a_nested_list_is_each_of_its_numbers_printed_alone() -> None:
    values = _awkward()
    nested = [[a, [b, 3, None]] for a, b in zip(values[::2], values[1::2], strict=False)]
    expected = [[float32(a), [float32(b), 3, None]] for a, b in zip(values[::2], values[1::2], strict=False)]
    assert float32_nested(nested) == expected


def test_numbers_beyond_float32_and_not_numbers_keep_their_meaning() -> None:
    found = float32_nested([1e300, -1e300, math.inf, -math.inf, 0.0, -0.0, math.nan])
    assert found[:6] == [1e300, -1e300, math.inf, -math.inf, 0.0, -0.0] and math.isnan(found[6])
    assert (
        math.copysign(1.0, found[5]) == -1.0 and float32_nested([]) == [] and float32_nested([[1, [2]]]) == [[1, [2]]]
    )
