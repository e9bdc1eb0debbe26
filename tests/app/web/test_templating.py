"""Page formatting: significant digits and signed weights."""

from __future__ import annotations

from app.web.templating import ordinal, sig3, signed


def test_sig3_keeps_three_significant_digits() -> None:
    assert [sig3(x) for x in (12.345, 0.0012345, 3.0, 45678.9)] == ["12.3", "0.00123", "3", "4.57e+04"]
    assert sig3(None) == "–"


def test_signed_always_shows_the_sign() -> None:
    assert (signed(0.25), signed(-0.5)) == ("+0.25", "−0.5")


def test_ordinal_writes_1st_2nd_3rd_and_11th_to_13th() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 99, 101, 111, 50.0)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "99th", "101st", "111th", "50th"
    ]  # fmt: skip
    assert ordinal(0.5) == "0.5th"
