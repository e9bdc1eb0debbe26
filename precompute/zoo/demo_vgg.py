"""A second demo network, built unlike the first: a plain stack of 3×3 convolutions, trained on the same world.

Universality, as the Circuits articles use the word: if curve detectors are what the world needs, a network of
another architecture grows them too. `precompute.demo.train` trains it as it trains demo-inception, on the same
images, but from PyTorch's default start (its NETWORKS entry says why), and `microscope demo` precomputes both, so
`/compare?family=curves` sets their curve families side by side.
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor, nn

from ..stimuli import CLASS_NAMES
from .demo_net import ConvReLU, demo_entry

MODEL_ID = "demo-vgg"
WEIGHTS = Path(__file__).resolve().parent.parent / "demo" / "weights" / f"{MODEL_ID}.pt"
# (name, in, out, kernel, stride, max-pool after): 32×32 after conv1, 16×16 after conv3, 8×8 after conv5.
CONVS = (
    ("conv1", 3, 32, 5, 2, False),
    ("conv2", 32, 48, 3, 1, True),
    ("conv3", 48, 64, 3, 1, False),
    ("conv4", 64, 96, 3, 1, True),
    ("conv5", 96, 128, 3, 1, False),
)
LAYERS = [name for name, *_ in CONVS] + ["fc"]


class DemoVGG(nn.Module):
    """conv1 (5×5/2) · conv2 · pool · conv3 · conv4 · pool · conv5 · avg · fc; every conv is conv → BN → ReLU."""

    def __init__(self, num_classes: int = len(CLASS_NAMES)) -> None:
        super().__init__()
        for name, c_in, c_out, kernel, stride, _ in CONVS:
            self.add_module(name, ConvReLU(c_in, c_out, kernel, stride))
        self.pool = nn.MaxPool2d(2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(CONVS[-1][2], num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Logits for a normalized (B, 3, 64, 64) batch."""
        for name, *_, pooled in CONVS:
            x = getattr(self, name)(x)
            x = self.pool(x) if pooled else x
        return self.fc(self.avgpool(x).flatten(1))


ENTRY = demo_entry(
    MODEL_ID,
    "Demo VGG (stimuli)",
    DemoVGG,
    LAYERS,
    WEIGHTS,
    (
        "A plain five-layer stack of convolutions trained by microscope's own code on the same world as "
        "demo-inception (curves of eight facings, corners, lines, colour edges, texture boundaries, in clutter): "
        "the second network that universality is checked against."
    ),
)
build = ENTRY.build  # the second demo network with the shipped weights, or with a given state dict file
bare = ENTRY.bare  # random weights, for tests only
