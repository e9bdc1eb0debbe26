"""Browsable layers: which modules to show, their order, shapes and receptive fields (probed once per model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from store.records import LayerRecord

from .hooks import LayerTap
from .linearize import linearized

if TYPE_CHECKING:  # the zoo's model specs use this module's layer choice
    from .zoo.types import LoadedModel

# Never browsable on their own: they only rescale, regularize or resample what the layer before computed.
_SKIPPED = (
    nn.modules.batchnorm._NormBase,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.LocalResponseNorm,
    nn.Dropout,
    nn.Dropout2d,
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
    nn.Flatten,
    nn.Identity,
)
_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Hardtanh, nn.Sigmoid, nn.Tanh)
_WEIGHTED = (nn.modules.conv._ConvNd, nn.Linear)


# A browsable layer as probed is exactly what the store records about it.
LayerInfo = LayerRecord


def auto_layers(module: nn.Module) -> list[str]:
    """Candidate browsable layers: blocks and post-activation outputs, never norms, pools or dropout.

    Containers (Sequential, ModuleList, ModuleDict) are walked into and their elements read as a sequence:
    a module with children of its own is a block and is chosen; an activation is chosen; a conv or linear is
    chosen only when no activation follows it before the next conv, linear or block (the logits, say), since
    Microscope shows what a layer passes on. Callers keep only the candidates that run (see `forward_order`).
    """
    chosen: list[str] = []

    def walk(prefix: str, children: list[tuple[str, nn.Module]]) -> None:
        for i, (name, child) in enumerate(children):
            path = f"{prefix}{name}"
            if isinstance(child, nn.Sequential | nn.ModuleList | nn.ModuleDict):
                walk(f"{path}.", list(child.named_children()))
            elif _is_candidate(child, children[i + 1 :]):
                chosen.append(path)

    walk("", list(module.named_children()))
    return chosen


def _is_candidate(child: nn.Module, rest: list[tuple[str, nn.Module]]) -> bool:
    if isinstance(child, _ACTIVATIONS):
        return True
    if isinstance(child, _SKIPPED):
        return False
    if list(child.children()):
        return True  # a block
    return isinstance(child, _WEIGHTED) and not _activation_follows(rest)


def _activation_follows(rest: list[tuple[str, nn.Module]]) -> bool:
    for _, child in rest:
        if isinstance(child, _ACTIVATIONS):
            return True
        if isinstance(child, _WEIGHTED) or list(child.children()):
            return False
    return False


def forward_order(module: nn.Module, layers: Sequence[str], size: int) -> list[str]:
    """The given layers that run in an eval forward pass at `size`×`size`, in the order they first run."""
    fired: list[str] = []
    handles = [
        module.get_submodule(name).register_forward_hook(lambda *_a, name=name: fired.append(name))
        for name in dict.fromkeys(layers)
    ]
    try:
        with torch.no_grad():
            module(_dummy(module, size))
    finally:
        for handle in handles:
            handle.remove()
    return list(dict.fromkeys(fired))


def probe_layers(model: LoadedModel, layers: Sequence[str] | None = None) -> list[LayerInfo]:
    """Shapes, receptive fields and previous links of browsable layers (default: the model's default layers)."""
    unknown = [name for name in layers or [] if name not in model.layers]
    if unknown:
        raise KeyError(f"not browsable layers of {model.id}: {', '.join(unknown)}; valid: {', '.join(model.layers)}")
    x = _dummy(model.module, model.input.size).requires_grad_(True)
    with linearized(), torch.enable_grad(), LayerTap(model.module, model.layers) as tap:
        outputs = tap.run(x)  # dict insertion order is the order the hooks fired
        order = list(outputs)
        wanted = set(layers if layers is not None else model.default_layers or order)
        chosen = [name for name in order if name in wanted]
        infos = [
            _info(name, order.index(name), outputs[name], x, previous_layer(model.module, name, chosen, order))
            for name in chosen
        ]
    return [
        replace(info, branches=unit_branches(model.module, info.name), parent=parent_layer(model.module, info.name))
        for info in infos
    ]


def previous_layer(module: nn.Module, layer: str, chosen: Sequence[str], order: Sequence[str]) -> str | None:
    """The nearest of the `chosen` layers that `layer` computes from, or None.

    A module whose layers do not run one after another (Inception branches) says what each computes from with
    `previous_layer(layer)`; otherwise the layer before in forward `order` is. Links through unchosen layers are
    followed, so the connections stage expands the weights across them.
    """
    declared = getattr(module, "previous_layer", None)

    def step(name: str) -> str | None:
        if callable(declared):
            return declared(name)
        index = order.index(name)
        return order[index - 1] if index > 0 else None

    current = step(layer)
    for _ in range(len(order)):  # a chain longer than the layer list would be a cycle
        if current is None or current in chosen:
            return current
        current = step(current)
    raise ValueError(f"previous_layer links of {type(module).__name__} loop without reaching a first layer")


def parent_layer(module: nn.Module, layer: str) -> str | None:
    """The layer a branch layer belongs to and is shown under, when the module says so with `parent_layer(layer)`."""
    declared = getattr(module, "parent_layer", None)
    return declared(layer) if callable(declared) else None


def unit_branches(module: nn.Module, layer: str) -> dict[int, str]:
    """{unit: branch} for a layer that concatenates branches.

    A module may say so with `branches(layer)`; torchvision's GoogLeNet blocks are recognised as they are.
    """
    branches = getattr(module, "branches", None)
    try:
        spans = branches(layer) if callable(branches) else _torchvision_inception_spans(module, layer)
    except KeyError:  # not a layer with branches
        return {}
    return {unit: name for name, start, stop in spans for unit in range(start, stop)}


def _torchvision_inception_spans(module: nn.Module, layer: str) -> list[tuple[str, int, int]]:
    """A torchvision GoogLeNet Inception block's branches (`inception3a.branch1` …) in concatenation order."""
    from torchvision.models.googlenet import Inception

    block = module.get_submodule(layer)
    if not isinstance(block, Inception):
        raise KeyError(layer)
    spans, start = [], 0
    for name in ("branch1", "branch2", "branch3", "branch4"):
        branch = getattr(block, name)
        last = branch[-1] if isinstance(branch, nn.Sequential) else branch
        width = last.conv.out_channels
        spans.append((f"{layer}.{name}", start, start + width))
        start += width
    return spans


def _info(name: str, position: int, out: Tensor, x: Tensor, previous: str | None) -> LayerInfo:
    size = x.shape[-1]
    if out.dim() == 2:
        return LayerInfo(name, position, "linear", out.shape[1], None, None, size, float(size), previous)
    if out.dim() != 4:
        raise ValueError(f"layer {name!r} outputs shape {tuple(out.shape)}; browsable layers are 2D or 4D")
    height, width = out.shape[2], out.shape[3]
    (grad,) = torch.autograd.grad(out[0, :, height // 2, width // 2].sum(), x, retain_graph=True)
    rows, cols = torch.nonzero(grad[0].abs().sum(0), as_tuple=True)
    extent = max(int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1) if len(rows) else 0
    return LayerInfo(name, position, "conv", out.shape[1], height, width, extent, size / width, previous)


def _dummy(module: nn.Module, size: int) -> Tensor:
    first = next(iter(module.parameters()), None)
    device, dtype = (first.device, first.dtype) if first is not None else (torch.device("cpu"), torch.float32)
    return torch.zeros(1, 3, size, size, device=device, dtype=dtype)
