"""Kernel heatmaps for circuit grids: one pixel per weight, red excites and blue inhibits on a shared scale."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from app.plots.kernel_cells import describe, heatmap, kernel_cell, kernel_uri, png

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
    assert (cell.width, cell.height) == (48, 24) and cell.title == "a:1 → b:2: sum +0, strongest +0 at row 0, column 0"
