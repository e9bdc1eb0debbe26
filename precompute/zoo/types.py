"""What a zoo entry is and what loading one gives: the module with its input spec, labels and layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class InputSpec:
    """The square input a model takes and how RGB in [0, 1] becomes that input: (x*scale - mean) / std."""

    size: int
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 1:
            raise ValueError(f"input size must be a positive integer, got {self.size!r}")
        for name in ("mean", "std"):
            value = getattr(self, name)
            if len(value) != 3:
                raise ValueError(f"input {name} must have 3 values (R, G, B), got {value!r}")
            object.__setattr__(self, name, tuple(float(v) for v in value))
        if any(s == 0 for s in self.std):
            raise ValueError(f"input std must be nonzero, got {self.std!r}")

    def normalize(self, x01: Tensor) -> Tensor:
        """Map a (B, 3, H, W) RGB batch in [0, 1] to the model's input; differentiable, on x01's device."""
        if x01.dim() != 4 or x01.shape[1] != 3:
            raise ValueError(f"expected a (B, 3, H, W) RGB batch, got shape {tuple(x01.shape)}")
        mean = torch.tensor(self.mean, dtype=x01.dtype, device=x01.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=x01.dtype, device=x01.device).view(1, 3, 1, 1)
        return (x01 * self.scale - mean) / std

    def as_dict(self) -> dict:
        """JSON-ready settings, recorded with everything rendered from this model."""
        return {"size": self.size, "mean": list(self.mean), "std": list(self.std), "scale": self.scale}


@dataclass
class LoadedModel:
    """A network ready to browse: eval mode, frozen parameters, browsable layer ids in forward order.

    `default_layers` are the ones a precompute computes unless told otherwise (None: all of `layers`);
    `warning` is shown on every page of the model (say, that it is not the network its names suggest).
    """

    id: str
    title: str
    architecture: str
    module: nn.Module
    input: InputSpec
    class_labels: list[str]
    layers: list[str]
    weights_hash: str  # sha256 hex of the weights file's bytes
    vis_size: int  # default feature-vis render size
    description: str = ""
    default_layers: list[str] | None = None
    warning: str = ""

    def __post_init__(self) -> None:
        self.module.eval()
        self.module.requires_grad_(False)


@dataclass(frozen=True)
class ModelEntry:
    """A registered model: `build(weights)` loads it, from the given file or the official weights."""

    id: str
    title: str
    description: str
    build: Callable[[Path | None], LoadedModel]
    # Same model around random weights (weights_hash ""), for tests only: load_model never calls it.
    bare: Callable[[], LoadedModel] | None = field(default=None, compare=False)
    # The official class names for a head of this many classes (downloaded), when `build` does not know them.
    labels: Callable[[int], list[str]] | None = field(default=None, compare=False)
