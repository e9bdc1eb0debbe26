"""Connection weights as the unit page draws them: spatial kernels on one shared scale, everything else as bars."""

from __future__ import annotations

from store.figures.kernels import is_spatial, kernel_scale, kernel_svg, scale_legend, weight_bar


def test_kernel_svg_colours_cells_by_sign() -> None:
    svg = str(kernel_svg([[1.0, -1.0], [0.5, 0.0]]))
    assert svg.count("<rect") == 4
    assert "rgba(220,38,38,1.00)" in svg and "rgba(37,99,235,1.00)" in svg


def test_kernel_svg_skips_large_or_non_2d_kernels() -> None:
    assert str(kernel_svg([[0.0] * 10] * 10)) == ""
    assert str(kernel_svg([1.0, 2.0])) == ""
    assert str(kernel_svg(None)) == ""


def test_kernels_of_a_section_share_one_scale() -> None:
    kernels = [[[0.1, -0.2], [0.0, 0.05]], [[0.4, 0.0], [0.0, -0.1]]]
    scale = kernel_scale(kernels)
    assert scale == 0.4
    weak = str(kernel_svg(kernels[0], scale))
    assert "rgba(37,99,235,0.50)" in weak and "rgba(220,38,38,1.00)" not in weak  # −0.2 is half of 0.4


def test_only_grids_of_several_distinct_values_count_as_spatial() -> None:
    assert is_spatial([[0.1, 0.2], [0.3, 0.4]])
    assert not is_spatial([[0.5]])  # a 1×1 conv
    assert not is_spatial([[0.25] * 4] * 4)  # one value everywhere: a dense layer behind a global pool
    assert not is_spatial(0.5) and not is_spatial([0.1, 0.2])
    assert kernel_scale([[[0.5]], [[9.0] * 2] * 2]) == 0.0  # nothing spatial: no kernel scale


def test_weight_bars_grow_from_the_centre_by_sign() -> None:
    positive, negative = str(weight_bar(0.5, 1.0)), str(weight_bar(-1.0, 1.0))
    assert 'x="32" y="2" width="16"' in positive and "rgba(220,38,38" in positive
    assert 'x="0" y="2" width="32"' in negative and "rgba(37,99,235" in negative


def test_the_legend_names_both_ends_of_the_scale() -> None:
    legend = str(scale_legend(0.25))
    assert "−0.25 inhibits" in legend and "excites +0.25" in legend and legend.count("<rect") == 16
