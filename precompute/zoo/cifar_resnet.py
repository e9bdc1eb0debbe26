"""The classic CIFAR-10 ResNets (He et al. 2016, section 4.2) with Yerlan Idelbayev's pretrained weights."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import torch.nn.functional as F
from torch import Tensor, nn

from .download import fetch, read_state_dict, sha256_file, with_weights
from .types import IMAGENET_MEAN, IMAGENET_STD, InputSpec, LoadedModel, ModelEntry

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# akamaster/pytorch_resnet_cifar10: the hex in each name is the file's sha256 prefix (checked on download).
_RELEASES = "https://github.com/akamaster/pytorch_resnet_cifar10/raw/master/pretrained_models/"
WEIGHT_FILES = {
    20: "resnet20-12fca82f.th",
    32: "resnet32-d509ac18.th",
    44: "resnet44-014dd654.th",
    56: "resnet56-4bfd9763.th",
    110: "resnet110-1d1ed7c2.th",
}


class ShortcutA(nn.Module):
    """Parameter-free "option A" shortcut: subsample by 2 and zero-pad the new channels on both sides."""

    def __init__(self, planes: int) -> None:
        super().__init__()
        self.pad = planes // 4

    def forward(self, x: Tensor) -> Tensor:
        """Subsample and pad."""
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    """conv3x3 → BN → ReLU → conv3x3 → BN, plus shortcut, then ReLU: the block's output is post-ReLU."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        changes = stride != 1 or in_planes != planes
        self.shortcut: nn.Module = ShortcutA(planes) if changes else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """One residual block."""
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for 32×32 inputs: stem, three stages of n blocks (16, 32, 64 channels), pool, linear."""

    def __init__(self, depth: int = 20, num_classes: int = 10) -> None:
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, 110, …), got {depth}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()  # used by the stem only, so its output is the browsable `relu` layer
        self.layer1 = self._stage(16, 16, n, stride=1)
        self.layer2 = self._stage(16, 32, n, stride=2)
        self.layer3 = self._stage(32, 64, n, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(64, num_classes)

    @staticmethod
    def _stage(in_planes: int, planes: int, n: int, stride: int) -> nn.Sequential:
        blocks = [BasicBlock(in_planes, planes, stride)]
        blocks += [BasicBlock(planes, planes) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        """Logits for normalized 32×32 inputs."""
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(self.pool(x).flatten(1))


def browsable_layers(module: CifarResNet) -> list[str]:
    """The stem's ReLU, every block, the classifier."""
    stages = ("layer1", "layer2", "layer3")
    blocks = [f"{stage}.{i}" for stage in stages for i in range(len(module.get_submodule(stage)))]
    return ["relu", *blocks, "linear"]


def _loaded(depth: int, module: CifarResNet, weights_hash: str, note: str) -> LoadedModel:
    return LoadedModel(
        id=f"cifar-resnet{depth}",
        title=f"ResNet-{depth} (CIFAR-10)",
        architecture=f"CifarResNet(depth={depth})",
        module=module,
        input=InputSpec(32, IMAGENET_MEAN, IMAGENET_STD),
        class_labels=list(CIFAR10_CLASSES),
        layers=browsable_layers(module),
        weights_hash=weights_hash,
        vis_size=32,
        description=note,
    )


def build(depth: int, weights: Path | None = None) -> LoadedModel:
    """The pretrained CIFAR-10 ResNet of this depth, from `weights` or the downloaded release file."""
    name = WEIGHT_FILES[depth]
    path = Path(weights) if weights else fetch(_RELEASES + name, name, model=f"cifar-resnet{depth}")
    module = with_weights(partial(CifarResNet, depth), read_state_dict(path), str(path))
    return _loaded(depth, module, sha256_file(path), f"weights: {path.name}")


def bare(depth: int) -> LoadedModel:
    """Random weights, for tests only."""
    return _loaded(depth, CifarResNet(depth), "", "random weights (tests only)")


ENTRIES = [
    ModelEntry(
        id=f"cifar-resnet{depth}",
        title=f"ResNet-{depth} (CIFAR-10)",
        description=(
            f"He et al.'s {depth}-layer CIFAR ResNet (option-A shortcuts, 16/32/64 channels), "
            "trained on CIFAR-10 by Yerlan Idelbayev (akamaster/pytorch_resnet_cifar10, BSD-2)."
        ),
        build=partial(build, depth),
        bare=partial(bare, depth),
    )
    for depth in WEIGHT_FILES
]
