"""One forward pass on one image with a layer tapped: the units that fire most, each with its activation map."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ..hooks import LayerTap
from ..images import to_input
from ..zoo.types import LoadedModel

MAX_GRID = 32  # maps larger than this (per side) are max-pooled down: the page draws them over the image anyway
MAX_TOP = 64  # the most units one answer lists


@dataclass(frozen=True)
class UnitActivation:
    """A unit's peak activation on the image and its map over the layer's positions (rows of floats)."""

    unit: int
    value: float
    map: list[list[float]]

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {"unit": self.unit, "value": self.value, "map": self.map}


@dataclass(frozen=True)
class ProbeResult:
    """The top units of a layer by peak activation, and the chosen unit (if any) whatever its rank."""

    model: str
    layer: str
    units: int  # how many units the layer has
    grid: tuple[int, int]  # the layer's positions (height, width) before any pooling of the maps
    top: list[UnitActivation]
    chosen: UnitActivation | None

    def as_dict(self) -> dict:
        """JSON-ready: the worker's answer."""
        return {
            "model": self.model,
            "layer": self.layer,
            "units": self.units,
            "grid": list(self.grid),
            "top": [u.as_dict() for u in self.top],
            "chosen": self.chosen.as_dict() if self.chosen else None,
        }


def layer_activation(model: LoadedModel, image: Image.Image, layer: str) -> Tensor:
    """The layer's output on the image framed as precompute frames dataset images: (C, H, W), or (C, 1, 1)."""
    if layer not in model.layers:
        raise KeyError(f"model {model.id!r} has no layer {layer!r}; layers: {', '.join(model.layers)}")
    x = to_input(image.convert("RGB"), model.input.size).unsqueeze(0)
    with torch.no_grad(), LayerTap(model.module, [layer]) as tap:
        out = tap.run(model.input.normalize(x))[layer][0].float()
    return out.view(out.shape[0], 1, 1) if out.dim() == 1 else out


def probe(model: LoadedModel, image: Image.Image, layer: str, top: int = 8, unit: int | None = None) -> ProbeResult:
    """The `top` units of `layer` with the highest peak activation on `image`, and `unit`'s map and value."""
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 1 and {MAX_TOP}, got {top}")
    act = layer_activation(model, image, layer)
    channels = act.shape[0]
    if unit is not None and not 0 <= unit < channels:
        raise KeyError(f"layer {layer!r} has units 0–{channels - 1}, got {unit}")
    peaks = act.flatten(1).max(dim=1).values
    order = torch.argsort(peaks, descending=True, stable=True)[: min(top, channels)].tolist()
    maps = _pooled(act)
    pick = lambda u: UnitActivation(u, float(peaks[u]), maps[u].tolist())  # noqa: E731
    return ProbeResult(
        model.id,
        layer,
        channels,
        (act.shape[1], act.shape[2]),
        [pick(u) for u in order],
        pick(unit) if unit is not None else None,
    )


def _pooled(act: Tensor) -> Tensor:
    """Maps of at most MAX_GRID per side; max-pooled so that a unit's peak survives."""
    h, w = act.shape[1:]
    if max(h, w) <= MAX_GRID:
        return act
    size = (min(h, MAX_GRID), min(w, MAX_GRID))
    return F.adaptive_max_pool2d(act.unsqueeze(0), size)[0]
