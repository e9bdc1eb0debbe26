"""A tiny conv net, built from a fixed seed, that the optvis tests optimize against."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn


class TinyNet(nn.Module):
    """Three conv+ReLU stages, then a pooled linear head `fc`."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(12, 16, 3, stride=2, padding=1)
        self.relu3 = nn.ReLU()
        self.fc = nn.Linear(16, 5)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu1(self.conv1(x))
        x = self.relu2(self.conv2(x))
        x = self.relu3(self.conv3(x))
        return self.fc(x.mean((2, 3)))


class Gated(nn.Module):
    """conv → ReLU behind Python control flow on a tensor's value (always taken): torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.conv(x)) if x.sum() > -1e9 else x


@pytest.fixture
def gated_net() -> Gated:
    """An untraceable net in eval mode, weights from seed 0."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return Gated().eval()


@pytest.fixture
def tiny_net() -> TinyNet:
    """The tiny net in eval mode, weights from seed 0 without touching the global RNG."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return TinyNet().eval()


@pytest.fixture
def preprocess() -> Callable[[Tensor], Tensor]:
    """The tiny net's preprocessing: centre [0, 1] input on zero."""
    return lambda x01: (x01 - 0.5) * 2
