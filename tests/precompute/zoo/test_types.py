"""InputSpec: normalization and validation."""

from __future__ import annotations

import pytest
import torch

from precompute.zoo import InputSpec


def test_normalize_scales_then_standardizes_per_channel() -> None:
    spec = InputSpec(4, mean=(117.0, 117.0, 117.0), scale=255.0)
    x = torch.full((1, 3, 4, 4), 0.5, requires_grad=True)
    y = spec.normalize(x)
    assert torch.allclose(y, torch.full_like(y, 0.5 * 255 - 117))
    y.sum().backward()
    assert x.grad is not None and torch.allclose(x.grad, torch.full_like(x, 255.0))


def test_normalize_uses_each_channels_mean_and_std() -> None:
    spec = InputSpec(2, mean=(0.1, 0.2, 0.3), std=(0.5, 0.25, 2.0))
    y = spec.normalize(torch.ones(2, 3, 2, 2, dtype=torch.float64))
    assert y.dtype == torch.float64
    assert y[0, :, 0, 0].tolist() == pytest.approx([1.8, 3.2, 0.35])


def test_normalize_rejects_a_non_rgb_batch() -> None:
    with pytest.raises(ValueError, match="shape \\(3, 4, 4\\)"):
        InputSpec(4).normalize(torch.zeros(3, 4, 4))


@pytest.mark.parametrize("kwargs, message", [({"size": 0}, "size"), ({"size": 4, "std": (1, 0, 1)}, "std")])
def test_invalid_spec_raises_value_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InputSpec(**kwargs)


def test_as_dict_is_json_ready() -> None:
    assert InputSpec(32).as_dict() == {"size": 32, "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0], "scale": 1.0}
