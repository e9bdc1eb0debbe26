"""Page formatting: significant digits and signed weights."""

from __future__ import annotations

from app.web.templating import sig3, signed


def test_sig3_keeps_three_significant_digits() -> None:
    assert [sig3(x) for x in (12.345, 0.0012345, 3.0, 45678.9)] == ["12.3", "0.00123", "3", "4.57e+04"]
    assert sig3(None) == "–"


def test_signed_always_shows_the_sign() -> None:
    assert (signed(0.25), signed(-0.5)) == ("+0.25", "−0.5")
