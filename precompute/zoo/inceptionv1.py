"""InceptionV1 as OpenAI Microscope, Lucid and the Circuits articles know it: Google's "inception5h" graph.

Not torchvision's GoogLeNet: no BatchNorm, local response normalization, 1008 classes, TensorFlow "SAME" padding
emulated by explicit pads. Parameters sit at the top level under the checkpoint's own names
(`mixed4b_5x5_pre_relu_conv.weight`), so `inception5h.pth` loads as it is; every activation users browse is the
output of a parameter-free module named as Lucid names it (`conv2d0`, `mixed4b`, `mixed4b_5x5`, …).

Every branch layer is browsable (`mixed4b_5x5_bottleneck`, `mixed4b_5x5`, …), shown under its mixed layer; a
precompute computes only the main layers unless asked for branch layers, which would about double its cost.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .download import fetch, read_state_dict, sha256_file, with_weights
from .labels import fetch_labels, placeholder_labels
from .types import InputSpec, LoadedModel, ModelEntry

MODEL_ID = "inceptionv1"
URL = "https://github.com/ProGamerGov/pytorch-old-tensorflow-models/raw/master/inception5h.pth"
# Lucid's class names for this graph (its `labels_path`, gs://modelzoo/labels/ImageNet_alternate.txt).
LABELS_URL = "https://storage.googleapis.com/modelzoo/labels/ImageNet_alternate.txt"
INPUT = InputSpec(size=224, mean=(117.0, 117.0, 117.0), std=(1.0, 1.0, 1.0), scale=255.0)  # x*255 − 117
CLASSES = 1008
# (1x1, 3x3 bottleneck, 3x3, 5x5 bottleneck, 5x5, pool reduce) output channels, and input channels.
MIXED: dict[str, tuple[int, tuple[int, int, int, int, int, int]]] = {
    "mixed3a": (192, (64, 96, 128, 16, 32, 32)),
    "mixed3b": (256, (128, 128, 192, 32, 96, 64)),
    "mixed4a": (480, (192, 96, 204, 16, 48, 64)),
    "mixed4b": (508, (160, 112, 224, 24, 64, 64)),
    "mixed4c": (512, (128, 128, 256, 24, 64, 64)),
    "mixed4d": (512, (112, 144, 288, 32, 64, 64)),
    "mixed4e": (528, (256, 160, 320, 32, 128, 128)),
    "mixed5a": (832, (256, 160, 320, 48, 128, 128)),
    "mixed5b": (832, (384, 192, 384, 48, 128, 128)),
}
BRANCHES = ("1x1", "3x3", "5x5", "pool_reduce")  # concatenation order of a mixed layer
BRANCH_LAYERS = ("1x1", "3x3_bottleneck", "3x3", "5x5_bottleneck", "5x5", "pool_reduce")  # forward order
LOGITS = "softmax2_pre_activation_matmul"
MAIN_LAYERS = ["conv2d0", "conv2d1", "conv2d2", *MIXED, LOGITS]
LAYERS = [
    "conv2d0",
    "conv2d1",
    "conv2d2",
    *[layer for mixed in MIXED for layer in (*(f"{mixed}_{b}" for b in BRANCH_LAYERS), mixed)],
    LOGITS,
]


class Concat(nn.Module):
    """Concatenates its inputs along channels: a named, parameter-free module so hooks can see a mixed layer."""

    def forward(self, *parts: Tensor) -> Tensor:  # noqa: D102
        return torch.cat(parts, dim=1)


class LRN(nn.Module):
    """Local response normalization (size 9, alpha 1e-4, beta 0.5, k 1) as the reference PyTorch port computes it."""

    def forward(self, x: Tensor) -> Tensor:  # noqa: D102
        # torch's LRN divides alpha by the window size; the oracle activations match it with alpha given as is.
        return F.local_response_norm(x, size=9, alpha=9.99999974738e-05, beta=0.5, k=1.0)


def _max_pool_same(x: Tensor) -> Tensor:
    """3×3 stride-2 max-pool as TensorFlow's SAME padding does it: a window past the bottom/right edge is cut short.

    ceil_mode gives the (0, 1, 0, 1) padding with −inf without the −inf, so the linearized network (max-pool as
    average pool over the same window) averages only real inputs.
    """
    return F.max_pool2d(x, 3, 2, ceil_mode=True)


class InceptionV1(nn.Module):
    """The inception5h network; forward takes `x*255 − 117` and returns the 1008 pre-softmax logits."""

    def __init__(self) -> None:
        super().__init__()
        self._conv("conv2d0", 3, 64, 7, padding=0, stride=2)
        self._conv("conv2d1", 64, 64, 1)
        self._conv("conv2d2", 64, 192, 3)
        self.lrn0, self.lrn2 = LRN(), LRN()
        for name, (inputs, (b1, r3, b3, r5, b5, pool)) in MIXED.items():
            self._conv(f"{name}_1x1", inputs, b1, 1)
            self._conv(f"{name}_3x3_bottleneck", inputs, r3, 1)
            self._conv(f"{name}_3x3", r3, b3, 3)
            self._conv(f"{name}_5x5_bottleneck", inputs, r5, 1)
            self._conv(f"{name}_5x5", r5, b5, 5)
            self._conv(f"{name}_pool_reduce", inputs, pool, 1)
            self.add_module(name, Concat())
        self.softmax2_pre_activation_matmul = nn.Linear(1024, CLASSES)

    def _conv(
        self, name: str, inputs: int, outputs: int, kernel: int, padding: int | None = None, stride: int = 1
    ) -> None:
        pad = kernel // 2 if padding is None else padding
        self.add_module(f"{name}_pre_relu_conv", nn.Conv2d(inputs, outputs, kernel, stride=stride, padding=pad))
        self.add_module(name, nn.ReLU())

    def _relu_conv(self, name: str, x: Tensor) -> Tensor:
        return getattr(self, name)(getattr(self, f"{name}_pre_relu_conv")(x))

    def _mixed(self, name: str, x: Tensor) -> Tensor:
        b1 = self._relu_conv(f"{name}_1x1", x)
        b3 = self._relu_conv(f"{name}_3x3", self._relu_conv(f"{name}_3x3_bottleneck", x))
        b5 = self._relu_conv(f"{name}_5x5", self._relu_conv(f"{name}_5x5_bottleneck", x))
        pool = self._relu_conv(f"{name}_pool_reduce", F.max_pool2d(x, 3, 1, padding=1))
        return getattr(self, name)(b1, b3, b5, pool)

    def forward(self, x: Tensor) -> Tensor:  # noqa: D102
        x = self._relu_conv("conv2d0", F.pad(x, (2, 3, 2, 3)))
        x = self.lrn0(_max_pool_same(x))
        x = self.lrn2(self._relu_conv("conv2d2", self._relu_conv("conv2d1", x)))
        x = _max_pool_same(x)
        for name in MIXED:
            if name in ("mixed4a", "mixed5a"):  # maxpool4 and maxpool10
                x = _max_pool_same(x)
            x = self._mixed(name, x)
        return self.softmax2_pre_activation_matmul(F.avg_pool2d(x, 7).flatten(1))

    def branches(self, layer: str) -> list[tuple[str, int, int]]:
        """A mixed layer's branches as (branch layer, first unit, stop unit), in concatenation order."""
        if layer not in MIXED:
            raise KeyError(f"{layer!r} is not a mixed layer; mixed layers: {', '.join(MIXED)}")
        b1, _, b3, _, b5, pool = MIXED[layer][1]
        stops = torch.tensor([b1, b3, b5, pool]).cumsum(0).tolist()
        widths = (b1, b3, b5, pool)
        return [(f"{layer}_{name}", stop - w, stop) for name, w, stop in zip(BRANCHES, widths, stops, strict=True)]

    def parent_layer(self, layer: str) -> str | None:
        """The mixed layer a branch layer belongs to (`mixed4b_5x5_bottleneck` → `mixed4b`); None for the others."""
        mixed, _, branch = layer.partition("_")
        return mixed if mixed in MIXED and branch in BRANCH_LAYERS else None

    def previous_layer(self, layer: str) -> str | None:
        """The browsable layer whose output this one computes from (a branch's bottleneck, or the block's input)."""
        if layer not in LAYERS:
            raise KeyError(f"{layer!r} is not a layer of InceptionV1; layers: {', '.join(LAYERS)}")
        parent = self.parent_layer(layer)
        if parent is not None and layer.endswith(("_3x3", "_5x5")):
            return f"{layer}_bottleneck"
        main = MAIN_LAYERS.index(parent or layer)
        return MAIN_LAYERS[main - 1] if main > 0 else None


def _loaded(module: InceptionV1, weights_hash: str, note: str) -> LoadedModel:
    return LoadedModel(
        id=MODEL_ID,
        title="InceptionV1 (inception5h, as in Microscope)",
        architecture="InceptionV1 (inception5h)",
        module=module,
        input=INPUT,
        class_labels=placeholder_labels(CLASSES),
        layers=list(LAYERS),
        weights_hash=weights_hash,
        vis_size=128,
        description=note,
        default_layers=list(MAIN_LAYERS),
    )


def class_labels(count: int = CLASSES) -> list[str]:
    """Lucid's names of the 1008 classes (downloaded once), or placeholders with a warning when offline."""
    return fetch_labels(LABELS_URL, "inceptionv1-ImageNet_alternate.txt", model=MODEL_ID, count=count)


def build(weights: Path | None = None) -> LoadedModel:
    """InceptionV1 from `weights` (an `inception5h.pth`-format state dict) or the downloaded public file."""
    path = Path(weights) if weights else fetch(URL, "inception5h.pth", model=MODEL_ID)
    state = {k: v.float() for k, v in read_state_dict(path).items()}  # the oracle's copy is stored in fp16
    return _loaded(with_weights(InceptionV1, state, str(path)), sha256_file(path), f"weights: {path.name}")


def bare() -> LoadedModel:
    """Random weights, for tests only."""
    return _loaded(InceptionV1(), "", "random weights (tests only)")


ENTRY = ModelEntry(
    id=MODEL_ID,
    title="InceptionV1 (inception5h, as in Microscope)",
    description=(
        "Google's inception5h InceptionV1 — the network of OpenAI Microscope, Lucid and the Circuits articles "
        "(no BatchNorm, local response normalization, 1008 classes); not torchvision's GoogLeNet."
    ),
    build=build,
    bare=bare,
    labels=class_labels,
)
