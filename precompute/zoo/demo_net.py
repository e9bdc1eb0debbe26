"""The demo network: a small InceptionV1-shaped CNN trained by `precompute.demo.train` on our own stimuli.

Layer names and the mixed blocks' branch layout follow InceptionV1 (conv2d0 … mixed4b, branches concatenated as
[1x1, 3x3, 5x5, pool_reduce]); `mixed4b` has InceptionV1's exact widths, so `4b:409` is a 5×5-branch unit here too.
Branches are named as InceptionV1 names its branch layers (`mixed4b_5x5`), so Microscope's `mixed4b_5x5_0/25` finds
unit 409 here as well; the modules keep their own attribute names (`mixed4b.b5x5`), which the shipped weights use.
Convolutions carry BatchNorm (it makes the short CPU training reliable); in eval mode it is a per-channel affine
map, so every browsable layer is still conv → affine → ReLU, and its output is the post-ReLU activation.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
from torch import Tensor, nn

from ..stimuli import CLASS_NAMES
from .download import WeightsUnavailable, read_state_dict, sha256_file, with_weights
from .types import InputSpec, LoadedModel, ModelEntry

MODEL_ID = "demo-inception"
INPUT = InputSpec(size=64, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
# Shipped in the package (see pyproject's package-data), so an installed copy finds it too.
WEIGHTS = Path(__file__).resolve().parent.parent / "demo" / "weights" / f"{MODEL_ID}.pt"
LAYERS = ["conv2d0", "conv2d1", "conv2d2", "mixed3a", "mixed3b", "mixed4a", "mixed4b", "fc"]
# Branch name (InceptionV1's, see inceptionv1.BRANCHES) → the Mixed block's module attribute, in concatenation order.
BRANCHES: dict[str, str] = {"1x1": "b1x1", "3x3": "b3x3", "5x5": "b5x5", "pool_reduce": "pool"}

# Mixed-block widths: (1x1, 3x3 bottleneck, 3x3, 5x5 bottleneck, 5x5, pool 1x1).
MIXED_WIDTHS: dict[str, tuple[int, int, int, int, int, int]] = {
    "mixed3a": (32, 32, 64, 8, 16, 16),  # 128 units
    "mixed3b": (64, 48, 64, 16, 32, 32),  # 192
    "mixed4a": (96, 48, 96, 16, 32, 32),  # 256
    "mixed4b": (160, 112, 224, 24, 64, 64),  # 512: InceptionV1's mixed4b exactly
}


class ConvReLU(nn.Module):
    """conv → BatchNorm → ReLU; the module's output is the post-ReLU activation."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        """Convolve, normalize, rectify."""
        return self.relu(self.bn(self.conv(x)))


def _reduced(in_channels: int, bottleneck: int, out_channels: int, kernel: int) -> nn.Sequential:
    """A 1×1 bottleneck, then the k×k conv (InceptionV1's `_3x3_bottleneck` → `_3x3`)."""
    return nn.Sequential(
        OrderedDict(bottleneck=ConvReLU(in_channels, bottleneck, 1), conv=ConvReLU(bottleneck, out_channels, kernel))
    )


class Mixed(nn.Module):
    """An Inception block: four parallel branches concatenated along channels as [1x1, 3x3, 5x5, pool]."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        w1, r3, w3, r5, w5, wp = widths
        self.b1x1 = ConvReLU(in_channels, w1, 1)
        self.b3x3 = _reduced(in_channels, r3, w3, 3)
        self.b5x5 = _reduced(in_channels, r5, w5, 5)
        self.pool = nn.Sequential(
            OrderedDict(max=nn.MaxPool2d(3, stride=1, padding=1), reduce=ConvReLU(in_channels, wp, 1))
        )
        self.widths = (w1, w3, w5, wp)

    @property
    def out_channels(self) -> int:
        """Units of the block: the sum of its branches' widths."""
        return sum(self.widths)

    def forward(self, x: Tensor) -> Tensor:
        """Every branch on the same input, concatenated in InceptionV1's order."""
        return torch.cat([self.b1x1(x), self.b3x3(x), self.b5x5(x), self.pool(x)], dim=1)


class DemoInception(nn.Module):
    """conv2d0 (7×7/2) · pool · conv2d1 (1×1) · conv2d2 (3×3) · pool · mixed3a/b · pool · mixed4a/b · avg · fc."""

    def __init__(self, num_classes: int = len(CLASS_NAMES)) -> None:
        super().__init__()
        self.conv2d0 = ConvReLU(3, 32, 7, stride=2)
        self.maxpool0 = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2d1 = ConvReLU(32, 32, 1)
        self.conv2d2 = ConvReLU(32, 64, 3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.mixed3a = Mixed(64, MIXED_WIDTHS["mixed3a"])
        self.mixed3b = Mixed(self.mixed3a.out_channels, MIXED_WIDTHS["mixed3b"])
        self.maxpool4 = nn.MaxPool2d(3, stride=2, padding=1)
        self.mixed4a = Mixed(self.mixed3b.out_channels, MIXED_WIDTHS["mixed4a"])
        self.mixed4b = Mixed(self.mixed4a.out_channels, MIXED_WIDTHS["mixed4b"])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.mixed4b.out_channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Logits for a normalized (B, 3, 64, 64) batch (any size ≥ 16 works: the head pools globally)."""
        x = self.maxpool0(self.conv2d0(x))
        x = self.maxpool1(self.conv2d2(self.conv2d1(x)))
        x = self.maxpool4(self.mixed3b(self.mixed3a(x)))
        x = self.mixed4b(self.mixed4a(x))
        return self.fc(self.avgpool(x).flatten(1))

    def branches(self, layer: str) -> list[tuple[str, int, int]]:
        """A mixed layer's branches as (InceptionV1's branch name, first unit, stop unit), in concatenation order."""
        ranges, start = [], 0
        for name, width in zip(BRANCHES, self._mixed(layer).widths, strict=True):
            ranges.append((f"{layer}_{name}", start, start + width))
            start += width
        return ranges

    def branch_module(self, branch: str) -> str:
        """The module path that computes a branch (`mixed4b_5x5` → `mixed4b.b5x5`); KeyError for other names."""
        layer, _, name = branch.partition("_")
        self._mixed(layer)
        if name not in BRANCHES:
            raise KeyError(
                f"{branch!r} is not a branch; branches of {layer}: {', '.join(f'{layer}_{b}' for b in BRANCHES)}"
            )
        return f"{layer}.{BRANCHES[name]}"

    def _mixed(self, layer: str) -> Mixed:
        block = dict(self.named_children()).get(layer)
        if not isinstance(block, Mixed):
            mixed = [name for name, child in self.named_children() if isinstance(child, Mixed)]
            raise KeyError(f"{layer!r} is not a mixed layer; mixed layers: {', '.join(mixed)}")
        return block


def demo_entry(
    model_id: str, title: str, network: type[nn.Module], layers: list[str], shipped: Path, description: str
) -> ModelEntry:
    """A demo network's zoo entry: `build` loads its shipped weights (or a given file), `bare` is random (tests)."""

    def loaded(module: nn.Module, weights_hash: str, note: str) -> LoadedModel:
        return LoadedModel(
            id=model_id,
            title=title,
            architecture=f"{network.__name__}()",
            module=module,
            input=INPUT,
            class_labels=list(CLASS_NAMES),
            layers=list(layers),
            weights_hash=weights_hash,
            vis_size=INPUT.size,
            description=note,
        )

    def build(weights: Path | None = None) -> LoadedModel:
        path = Path(weights) if weights else shipped
        if not weights and not path.is_file():
            raise WeightsUnavailable(
                f"{model_id}'s shipped weights are missing ({path}); run `microscope demo --retrain` to train them "
                "(minutes on a CPU), or pass a trained file with --weights FILE"
            )
        module = with_weights(network, read_state_dict(path), str(path))
        return loaded(module, sha256_file(path), f"weights: {path.name}")

    return ModelEntry(model_id, title, description, build, lambda: loaded(network(), "", "random weights (tests only)"))


ENTRY = demo_entry(
    MODEL_ID,
    "Demo Inception (stimuli)",
    DemoInception,
    LAYERS,
    WEIGHTS,
    (
        "A small InceptionV1-shaped network (conv2d0 … mixed4b, InceptionV1's mixed4b widths) trained offline by "
        "microscope's own code on a procedural world: curves facing eight directions, corners, lines, colour "
        "edges that only colour tells apart and texture boundaries, in clutter."
    ),
)
build = ENTRY.build  # the demo network with the shipped weights, or with a given state dict file (fp16 or fp32)
bare = ENTRY.bare  # random weights, for tests only
