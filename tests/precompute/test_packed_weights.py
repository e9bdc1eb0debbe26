"""Packing many units' kernels into one image gives exactly the kernels of one image per unit, or declines."""

from __future__ import annotations

import torch
from torch import nn

from precompute.connections import _gradients, _support_window
from precompute.layers import probe_layers
from precompute.packed_weights import packed_kernels
from precompute.zoo import InputSpec, LoadedModel


class Strided(nn.Module):
    """conv → ReLU → max-pool 3/2 → 5×5 conv → ReLU → 1×1 conv → ReLU → global pool → linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.relu1 = nn.Conv2d(3, 6, 3, padding=1), nn.ReLU()
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2, self.relu2 = nn.Conv2d(6, 7, 5, padding=2), nn.ReLU()
        self.conv3, self.relu3 = nn.Conv2d(7, 5, 1), nn.ReLU()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu2(self.conv2(self.pool(self.relu1(self.conv1(x)))))
        return self.fc(self.head(self.relu3(self.conv3(x))))


def _model() -> LoadedModel:
    torch.manual_seed(0)
    layers = ["relu1", "relu2", "relu3", "fc"]
    return LoadedModel("strided", "Strided", "test", Strided().eval(), InputSpec(size=48), [], layers, "", 48)


def _plain(model: LoadedModel, src: str, dst: str, units: int) -> torch.Tensor:
    return _support_window(_gradients(model, src, dst, torch.arange(units), "cpu"))


def test_packed_kernels_equal_one_image_per_unit_across_a_strided_pool() -> None:
    model = _model()
    layers = {layer.name: layer for layer in probe_layers(model)}
    packed = packed_kernels(model, layers["relu1"], layers["relu2"], batch_size=2, device="cpu")
    assert packed is not None
    plain = _plain(model, "relu1", "relu2", layers["relu2"].units)
    assert packed.shape == plain.shape == (7, 6, 11, 11)  # 5×5 at stride 2 over a 3×3 pool: 11×11
    torch.testing.assert_close(packed, plain, atol=1e-6, rtol=1e-5)


def test_packed_kernels_equal_one_image_per_unit_for_a_1x1_conv() -> None:
    model = _model()
    layers = {layer.name: layer for layer in probe_layers(model)}
    packed = packed_kernels(model, layers["relu2"], layers["relu3"], batch_size=64, device="cpu")
    assert packed is not None
    torch.testing.assert_close(packed, _plain(model, "relu2", "relu3", 5), atol=1e-6, rtol=1e-5)


def test_a_linear_layer_after_global_pooling_is_declined() -> None:
    model = _model()
    layers = {layer.name: layer for layer in probe_layers(model)}
    assert packed_kernels(model, layers["relu3"], layers["fc"], batch_size=64, device="cpu") is None
