"""Rendering: deterministic, RGB at any size, truly gray when gray, and the pictures show what the factors say."""

from __future__ import annotations

import numpy as np
import pytest

from precompute.stimuli import PATTERNS, generate

GRAYABLE = [pattern for pattern in PATTERNS if pattern != "color_edge"]


def pixels(pattern: str, seed: int = 0, size: int = 64, **fixed: object) -> np.ndarray:
    return np.asarray(generate(pattern, np.random.default_rng(seed), size, **fixed).image, dtype=np.float64)


def stroke_weights(image: np.ndarray, level: float) -> np.ndarray:
    """How far each pixel is from a flat background's gray level: the stroke's anti-aliased coverage, roughly."""
    return np.abs(image.mean(axis=-1) - round(level * 255))


def direction(angle_deg: float) -> np.ndarray:
    return np.array([np.cos(np.deg2rad(angle_deg)), -np.sin(np.deg2rad(angle_deg))])  # image coordinates, y down


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_seed_gives_identical_bytes_and_other_seeds_differ(pattern: str) -> None:
    first = generate(pattern, np.random.default_rng(7)).image.tobytes()
    assert generate(pattern, np.random.default_rng(7)).image.tobytes() == first
    assert generate(pattern, np.random.default_rng(8)).image.tobytes() != first


@pytest.mark.parametrize("size", [32, 64, 128])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_family_renders_rgb_at_the_requested_size(pattern: str, size: int) -> None:
    image = generate(pattern, np.random.default_rng(3), size).image
    assert image.mode == "RGB" and image.size == (size, size)
    assert np.asarray(image).std() > 5  # not blank


@pytest.mark.parametrize("pattern", GRAYABLE)
def test_grayscale_images_have_equal_channels(pattern: str) -> None:
    for seed in range(4):
        image = pixels(pattern, seed, color=False)
        assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()


def test_color_images_are_coloured() -> None:
    image = pixels("line", 0, color=True, contrast=0.6, width=0.05)
    assert np.abs(image - image.mean(axis=-1, keepdims=True)).max() > 40


@pytest.mark.parametrize("orientation", [0.0, 90.0, 200.0, 315.0])
def test_curve_convex_side_faces_its_orientation(orientation: float) -> None:
    level = 0.8
    image = pixels(
        "curve",
        1,
        orientation=orientation,
        curvature=3.0,
        arc=180.0,
        background="flat",
        background_level=level,
        position_x=0.0,
        position_y=0.0,
        color=False,
    )
    weights = stroke_weights(image, level)
    ys, xs = np.mgrid[0:64, 0:64] + 0.5
    # With the apex-to-chord midpoint at the centre, a half circle's ink sits towards its convex side.
    offset = np.array([(weights * xs).sum(), (weights * ys).sum()]) / weights.sum() - 32.0
    assert offset @ direction(orientation) > 1.5
    assert offset @ direction(orientation) > 0.9 * np.linalg.norm(offset)


@pytest.mark.parametrize("orientation", [10.0, 60.0, 135.0])
def test_line_runs_along_its_orientation(orientation: float) -> None:
    image = pixels("line", 2, orientation=orientation, background="flat", background_level=0.2, color=False)
    weights = stroke_weights(image, 0.2)
    ys, xs = np.mgrid[0:64, 0:64]
    points = np.stack([xs.ravel(), -ys.ravel()], axis=1).astype(float)  # y up, like the factor angles
    mean = (weights.ravel()[:, None] * points).sum(0) / weights.sum()
    spread = ((points - mean).T * weights.ravel()) @ (points - mean)
    major = np.linalg.eigh(spread)[1][:, -1]
    measured = np.rad2deg(np.arctan2(major[1], major[0])) % 180
    assert min(abs(measured - orientation), 180 - abs(measured - orientation)) < 2.0


def test_spiral_directions_are_mirror_images() -> None:
    common = dict(orientation=0.0, position_y=0.0, background="flat", color=False)
    ccw = pixels("spiral", 4, direction="ccw", **common)
    cw = pixels("spiral", 4, direction="cw", **common)
    assert np.abs(ccw[::-1] - cw).mean() < 1.0
    assert np.abs(ccw - cw).mean() > 5.0


@pytest.mark.parametrize("side", ["left", "right"])
def test_frequency_boundary_puts_the_fine_texture_on_its_side(side: str) -> None:
    # Boundary running right (orientation 0): its left is the top half of the image.
    image = pixels("frequency_boundary", 5, orientation=0.0, side=side, position_y=0.0, color=False).mean(-1)
    roughness = np.abs(np.diff(image, axis=1))
    top, bottom = roughness[:24].mean(), roughness[40:].mean()
    assert (top > 5 * bottom) if side == "left" else (bottom > 5 * top)


@pytest.mark.parametrize("seed", range(6))
def test_color_edge_halves_share_luminance_but_not_hue(seed: int) -> None:
    stimulus = generate("color_edge", np.random.default_rng(seed), 64, orientation=0.0, position_x=0.0)
    rgb = np.asarray(stimulus.image, dtype=np.float64)
    luma = np.asarray(stimulus.image.convert("L"), dtype=np.float64)
    right, left = slice(40, 64), slice(0, 24)  # orientation 0: hue_a lies to the right
    assert abs(luma[:, right].mean() - luma[:, left].mean()) < 10
    assert np.linalg.norm(rgb[:, right].mean((0, 1)) - rgb[:, left].mean((0, 1))) > 40
