"""Parameterizations: shapes, range, seeding and gradients."""

from __future__ import annotations

import pytest
import torch

from precompute.optvis import fourier_image, laplacian_image, pixel_image


def test_fourier_image_is_in_unit_interval_with_batch_shape() -> None:
    params, image = fourier_image(4, 24, generator=torch.Generator().manual_seed(0), device="cpu")
    x = image()
    assert x.shape == (4, 3, 24, 24)
    assert x.min() >= 0 and x.max() <= 1
    assert all(p.requires_grad and p.is_leaf for p in params)


def test_fourier_image_starts_near_grey_and_differs_per_item() -> None:
    _, image = fourier_image(3, 32, generator=torch.Generator().manual_seed(0), device="cpu")
    x = image().detach()
    assert (x - 0.5).abs().max() < 0.05  # sd 0.01 spectrum: a faint start, as in Lucid
    assert not torch.equal(x[0], x[1])


def test_fourier_image_handles_odd_sizes() -> None:
    _, image = fourier_image(2, 17, generator=torch.Generator().manual_seed(0), device="cpu")
    assert image().shape == (2, 3, 17, 17)


def test_a_one_channel_fourier_image_is_an_alpha_channel_and_refuses_colour_decorrelation() -> None:
    params, image = fourier_image(
        2, 16, decorrelate=False, channels=1, generator=torch.Generator().manual_seed(0), device="cpu"
    )
    assert params[0].shape[1] == 1 and image().shape == (2, 1, 16, 16) and image(2).shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match="decorrelation needs 3 channels"):
        fourier_image(2, 16, channels=1, generator=torch.Generator(), device="cpu")


@pytest.mark.parametrize("make", [fourier_image, pixel_image, laplacian_image])
def test_same_generator_seed_gives_same_start(make) -> None:  # noqa: ANN001
    first = make(2, 16, generator=torch.Generator().manual_seed(3), device="cpu")[1]()
    again = make(2, 16, generator=torch.Generator().manual_seed(3), device="cpu")[1]()
    other = make(2, 16, generator=torch.Generator().manual_seed(4), device="cpu")[1]()
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


@pytest.mark.parametrize("make", [fourier_image, pixel_image, laplacian_image])
def test_gradients_reach_the_parameters(make) -> None:  # noqa: ANN001
    params, image = make(2, 16, decorrelate=False, generator=torch.Generator().manual_seed(0), device="cpu")
    image()[:, 0].sum().backward()
    assert params[0].grad is not None and params[0].grad.abs().sum() > 0


def test_pixel_image_is_in_unit_interval() -> None:
    _, image = pixel_image(3, 8, sd=5.0, generator=torch.Generator().manual_seed(0), device="cpu")
    x = image()
    assert x.shape == (3, 3, 8, 8)
    assert x.min() >= 0 and x.max() <= 1


def test_nonpositive_batch_raises_value_error() -> None:
    with pytest.raises(ValueError, match="batch"):
        fourier_image(0, 8, generator=torch.Generator(), device="cpu")


def test_laplacian_image_has_one_tensor_per_level_halving_in_size() -> None:
    params, image = laplacian_image(2, 32, levels=3, generator=torch.Generator().manual_seed(0), device="cpu")
    assert [tuple(p.shape) for p in params] == [(2, 3, 32, 32), (2, 3, 16, 16), (2, 3, 8, 8)]
    x = image()
    assert x.shape == (2, 3, 32, 32) and x.min() >= 0 and x.max() <= 1


def test_laplacian_coarse_level_moves_whole_regions_smoothly() -> None:
    params, image = laplacian_image(1, 16, levels=3, decorrelate=False, generator=torch.Generator(), device="cpu")
    with torch.no_grad():
        for p in params:
            p.zero_()
        params[2][0, 0, 1, 1] = 4.0  # one pixel of the 4x4 level
    red = image()[0, 0].detach()
    assert (red > 0.5).sum() > 16  # spread over more than its own 4x4 block of the full image, bilinearly
    assert torch.equal(image()[0, 1], torch.full((16, 16), 0.5))  # other channels untouched


def test_laplacian_levels_must_be_positive() -> None:
    with pytest.raises(ValueError, match="levels"):
        laplacian_image(1, 8, levels=0, generator=torch.Generator(), device="cpu")
