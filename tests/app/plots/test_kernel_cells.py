"""Kernel heatmaps for circuit grids: one pixel per weight, red excites and blue inhibits on a shared scale."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

from app.plots.kernel_cells import (
    CELL_PX,
    describe,
    heatmap,
    kernel_cell,
    kernel_cells,
    kernel_uri,
    legend_svg,
    png,
    robust_end,
)

RED, BLUE, WHITE = (220, 38, 38), (37, 99, 235), (255, 255, 255)


def test_zero_is_white_and_the_scale_is_full_red_or_blue() -> None:
    colours = heatmap(np.array([[0.0, 0.5], [-0.5, -2.0]]), scale=0.5)
    assert [tuple(int(c) for c in pixel) for pixel in colours.reshape(-1, 3)] == [WHITE, RED, BLUE, BLUE]


def test_half_the_scale_is_half_way_to_the_colour() -> None:
    assert tuple(int(c) for c in heatmap(np.array([[0.25]]), scale=0.5)[0, 0]) == (238, 146, 146)


def test_the_png_decodes_to_the_heatmap_pixel_for_pixel() -> None:
    colours = heatmap(np.arange(-6, 6, dtype=np.float16).reshape(3, 4), scale=6.0)
    decoded = np.array(Image.open(io.BytesIO(png(colours))).convert("RGB"))
    assert decoded.shape == (3, 4, 3) and np.array_equal(decoded, colours)


def test_the_uri_is_an_inline_png() -> None:
    uri = kernel_uri(np.ones((2, 2)), 1.0)
    assert uri.startswith("data:image/png;base64,")
    assert Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size == (2, 2)


def test_hovering_says_the_weight_or_the_sum_and_the_strongest_value() -> None:
    assert describe(np.array([[-0.25]])) == "weight −0.25"
    assert describe(np.array([[0.1, -0.5], [0.2, 0.1]])) == "sum −0.1, strongest −0.5 at row 0, column 1"


def test_a_cell_keeps_the_kernels_aspect_on_the_page() -> None:
    cell = kernel_cell(np.zeros((3, 6)), 1.0, "a:1 → b:2")
    assert (cell.width, cell.height) == (CELL_PX, CELL_PX // 2)
    assert cell.title == "a:1 → b:2: sum +0, strongest +0 at row 0, column 0"


def test_the_robust_end_is_the_99th_percentile_of_the_magnitudes() -> None:
    values = np.concatenate([np.linspace(-1.0, 1.0, 201), [50.0]])  # one outlier among small weights
    assert robust_end(values) == pytest.approx(np.percentile(np.abs(values), 99)) and robust_end(values) < 1.1


def test_the_robust_end_of_mostly_zeros_is_their_largest_value_and_of_nothing_zero() -> None:
    assert robust_end(np.array([0.0] * 999 + [-0.5])) == 0.5
    assert robust_end(np.zeros((0, 3))) == 0.0 and robust_end(np.zeros(4)) == 0.0


def test_weights_beyond_the_end_clip_to_full_colour() -> None:
    colours = heatmap(np.array([[3.0, -3.0]]), scale=1.0)
    assert [tuple(int(c) for c in pixel) for pixel in colours.reshape(-1, 3)] == [RED, BLUE]


def test_each_row_of_a_block_can_have_its_own_scale() -> None:
    block = np.array([[[[0.5]]], [[[0.5]]]])  # two rows of one 1 × 1 kernel, the same weight
    cells = kernel_cells(block, np.array([0.5, 1.0]), [["a"], ["b"]])
    pixels = [Image.open(io.BytesIO(base64.b64decode(row[0].uri.split(",", 1)[1]))).getpixel((0, 0)) for row in cells]
    assert pixels == [RED, (238, 146, 146)]  # full colour on its row's end, half way on twice that


def test_the_legend_runs_through_the_cells_colours_from_blue_to_white_at_zero_to_red() -> None:
    svg = str(legend_svg("a → b", width=200))
    stops = re.findall(r'<stop offset="([\d.]+)" stop-color="rgb\((\d+),(\d+),(\d+)\)"/>', svg)
    assert [(float(at), tuple(map(int, rgb))) for at, *rgb in stops] == [(0.0, BLUE), (0.5, WHITE), (1.0, RED)]
    assert re.search(r'<line x1="100.0" [^>]*class="zero"/>', svg)  # 0 marked in the middle
    assert 'id="colour-scale-a-b"' in svg and 'fill="url(#colour-scale-a-b)"' in svg
