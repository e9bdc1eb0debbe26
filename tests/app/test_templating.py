"""Page formatting: significant digits, signed weights and kernel SVGs."""

from __future__ import annotations

from app.templating import kernel_svg, sig3, signed


def test_sig3_keeps_three_significant_digits() -> None:
    assert [sig3(x) for x in (12.345, 0.0012345, 3.0, 45678.9)] == ["12.3", "0.00123", "3", "4.57e+04"]
    assert sig3(None) == "–"


def test_signed_always_shows_the_sign() -> None:
    assert (signed(0.25), signed(-0.5)) == ("+0.25", "−0.5")


def test_kernel_svg_colours_cells_by_sign() -> None:
    svg = str(kernel_svg([[1.0, -1.0], [0.5, 0.0]]))
    assert svg.count("<rect") == 4
    assert "rgba(220,38,38,1.00)" in svg and "rgba(37,99,235,1.00)" in svg


def test_kernel_svg_skips_large_or_non_2d_kernels() -> None:
    assert str(kernel_svg([[0.0] * 10] * 10)) == ""
    assert str(kernel_svg([1.0, 2.0])) == ""
    assert str(kernel_svg(None)) == ""
