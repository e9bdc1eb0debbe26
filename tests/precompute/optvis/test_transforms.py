"""Standard transforms: sizes, grey fill, per-item randomness, and that they leave the image recognisable."""

from __future__ import annotations

import pytest
import torch

from precompute.optvis import standard_transforms
from precompute.optvis.transforms import jitter, lucid_chain


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_lucid_size_pads_12_then_crops_8_and_4() -> None:
    out = standard_transforms(128)(torch.rand(2, 3, 128, 128), _gen())
    assert out.shape == (2, 3, 128 + 24 - 8 - 4, 128 + 24 - 8 - 4)


def test_pixel_amounts_scale_with_size() -> None:
    out = standard_transforms(32)(torch.rand(2, 3, 32, 32), _gen())
    assert out.shape == (2, 3, 32 + 6 - 2 - 1, 32 + 6 - 2 - 1)  # pad 3, jitter 2, jitter 1
    tiny = standard_transforms(4)(torch.rand(1, 3, 4, 4), _gen())
    assert tiny.shape == (1, 3, 4 + 2 - 1 - 1, 4 + 2 - 1 - 1)  # every amount at least 1 px


def test_grey_image_stays_grey() -> None:
    # Pad and rotation fill are both mid-grey, so a grey image must come through unchanged.
    out = standard_transforms(64)(torch.full((4, 3, 64, 64), 0.5), _gen())
    assert torch.allclose(out, torch.full_like(out, 0.5), atol=1e-6)


def test_image_centre_is_kept() -> None:
    out = standard_transforms(128)(torch.full((8, 3, 128, 128), 0.8), _gen())
    centre = out[..., 40:100, 40:100]
    assert torch.allclose(centre, torch.full_like(centre, 0.8), atol=1e-5)
    assert out.min() >= 0.5 - 1e-6 and out.max() <= 0.8 + 1e-6


def test_items_get_independent_randomness() -> None:
    x = torch.rand(1, 3, 64, 64).expand(6, -1, -1, -1)
    out = standard_transforms(64)(x, _gen())
    assert all(not torch.equal(out[0], out[i]) for i in range(1, 6))


def test_same_generator_state_gives_same_output() -> None:
    x = torch.rand(3, 3, 32, 32)
    transform = standard_transforms(32)
    assert torch.equal(transform(x, _gen(5)), transform(x, _gen(5)))
    assert not torch.equal(transform(x, _gen(5)), transform(x, _gen(6)))


def test_statistics_are_roughly_preserved() -> None:
    x = torch.rand(16, 3, 64, 64)
    out = standard_transforms(64)(x, _gen())
    assert abs(out.mean().item() - 0.5) < 0.01
    # Bilinear resampling averages neighbours, so contrast may drop a little but not collapse.
    assert 0.6 * x.std().item() < out.std().item() <= x.std().item() * 1.01


def test_jitter_offsets_cover_zero_to_amount() -> None:
    ramp = torch.arange(10.0).expand(200, 1, 10, 10)
    out = jitter(3)(ramp, _gen())
    assert out.shape == (200, 1, 7, 7)
    assert set(out[:, 0, 0, 0].tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert torch.equal(out[:, :, :, 1:] - out[:, :, :, :-1], torch.ones(200, 1, 7, 6))  # a crop, not a warp


def test_jitter_larger_than_the_image_raises_value_error() -> None:
    with pytest.raises(ValueError, match="jitter"):
        jitter(8)(torch.rand(1, 3, 8, 8), _gen())


def test_transforms_keep_gradients() -> None:
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    standard_transforms(32)(x, _gen()).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize("size", [4, 17, 32, 128])
def test_one_resampling_equals_lucids_chain_of_four_ops(size: int) -> None:
    x = torch.rand(6, 3, size, size)
    chained = lucid_chain(size)(x, _gen(5))
    fused = standard_transforms(size)(x, _gen(5))
    assert fused.shape == chained.shape
    assert (fused - chained).abs().max() < 1e-4  # float rounding of the composed coordinates only


def test_one_resampling_draws_as_many_random_numbers_as_the_chain() -> None:
    chain_gen, fused_gen = _gen(2), _gen(2)
    lucid_chain(32)(torch.rand(3, 3, 32, 32), chain_gen)
    standard_transforms(32)(torch.rand(3, 3, 32, 32), fused_gen)
    assert torch.equal(chain_gen.get_state(), fused_gen.get_state())
