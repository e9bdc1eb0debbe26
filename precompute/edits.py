"""The edits an experiment makes to a network (store.experiments), each in place only inside `edited(...)`:

- removing units: a forward hook on their layer sets them to 0, or to their mean over the images;
- cutting weights: entries of the conv that computes each unit (`unit_conv`) set to 0;
- rebuilding units by hand (`OrientationRule`, or `TensorRows` for weights given whole): the weights into each unit
  replaced by a rule over the previous layer's units, with one scale and one offset per unit fitted to the real
  unit's input (`fit_rule`).

Weights are put back on leaving, and hooks removed, so the model is the same afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from precompute.hooks import resolve_module
from precompute.zoo import LoadedModel
from store.experiments import ABLATE, CUT_NEGATIVE, MEAN_ABLATE, REBUILD, Experiment
from store.rules import CURVE_RULE, Rule

SHORTCUTS = ("shortcut", "downsample")  # what residual blocks call the path around their convs (CIFAR, torchvision)


def unit_conv(layer: nn.Module, unit: int) -> tuple[nn.Conv2d, int]:
    """The conv that computes `unit` of a layer module, and the unit's output channel in it: the layer's last conv
    giving all its units (in a residual block, the last before the sum; not its shortcut), or for a block of
    concatenated branches (`widths`, in order) the last conv of the unit's branch. ValueError when there is none."""
    widths = getattr(layer, "widths", None)
    if widths is not None:
        start = 0
        for branch, width in zip(_branches(layer), widths, strict=True):
            if unit < start + width:
                return _last_conv(branch), unit - start
            start += width
        raise ValueError(f"unit {unit} is past the block's {start} units")
    convs = [
        module
        for name, module in layer.named_modules()
        if isinstance(module, nn.Conv2d) and not any(part in SHORTCUTS for part in name.split("."))
    ]
    if not convs:
        raise ValueError("cutting weights needs a conv computing the units; this layer holds none")
    if unit >= convs[-1].out_channels:
        raise ValueError(f"unit {unit} is past the layer's {convs[-1].out_channels} units")
    return convs[-1], unit


def _branches(layer: nn.Module) -> list[nn.Module]:
    """A concatenating block's branches in concatenation order: its children holding a conv (pooling has none)."""
    return [child for child in layer.children() if any(isinstance(m, nn.Conv2d) for m in child.modules())]


def _last_conv(branch: nn.Module) -> nn.Conv2d:
    return [m for m in branch.modules() if isinstance(m, nn.Conv2d)][-1]


def reading_conv(layer: nn.Module, unit: int, inputs: int) -> tuple[nn.Conv2d, int]:
    """The conv computing `unit` when it reads the previous layer's `inputs` units directly (a plain conv layer's
    one conv, or a concatenating block's 1×1 or pool branch); ValueError otherwise (behind a bottleneck, or a
    residual block, whose second conv reads its first)."""
    conv, channel = unit_conv(layer, unit)
    widths = getattr(layer, "widths", None)
    branch = next((b for b in _branches(layer) if conv in b.modules()), None) if widths is not None else layer
    convs = [m for m in branch.modules() if isinstance(m, nn.Conv2d)] if branch is not None else []
    if len(convs) != 1 or conv.in_channels != inputs:
        raise ValueError(
            f"unit {unit} is computed from {conv.in_channels} units of a conv inside its block, not from the previous "
            f"layer's {inputs} units: a rule over those cannot rebuild it"
        )
    return conv, channel


@dataclass(frozen=True)
class OrientationRule:
    """A rule over orientations (store.rules), by default the Circuits articles' rule for a curve detector: the
    weight from a unit of the previous layer preferring φ into a unit preferring θ is a·cos(θ − φ), at the kernel's
    centre; 0 from every other unit. `sources`: the previous layer's units the rule reads (unit → φ in degrees);
    `targets`: each rebuilt unit's θ."""

    sources: Mapping[int, float]
    targets: Mapping[int, float]
    rule: Rule = CURVE_RULE

    def row(self, unit: int, inputs: int) -> Tensor:
        """The rule's weight from each input unit it reads, 0 from the others: the weights into `unit` before
        scaling (store.rules.RuleError where the rule has no weight)."""
        found = torch.zeros(inputs)
        for source, phi in self.sources.items():
            found[source] = self.rule.weight(self.targets[unit], phi)
        return found


@dataclass(frozen=True)
class TensorRows:
    """Each rebuilt unit's incoming weights from the previous layer given whole, as a student's tensor file holds
    them: (inputs,) at the kernel's centre, or (inputs, kh, kw) over the whole kernel. No orientations: `sources` is
    empty, and each target's θ is None."""

    rows: Mapping[int, Tensor]

    @property
    def sources(self) -> dict[int, float]:
        return {}

    @property
    def targets(self) -> dict[int, float | None]:
        return dict.fromkeys(self.rows)

    def row(self, unit: int, inputs: int) -> Tensor:
        """The unit's given weights; ValueError when they are not `inputs` long."""
        found = self.rows[unit]
        if found.shape[0] != inputs:
            raise ValueError(f"unit {unit}'s weights are over {found.shape[0]} inputs; the previous layer has {inputs}")
        return found


Rows = OrientationRule | TensorRows  # what a rebuild draws each unit's weights from


@dataclass(frozen=True)
class Fitted:
    """A rebuilt unit's kernel row (inputs, kh, kw) and the offset added to its conv's output: the rule scaled by
    the least-squares fit of the real conv output on the rule's, over the images."""

    kernel: Tensor
    offset: float
    scale: float
    r: float  # the correlation of the rule's output with the real conv output, over images and positions


@torch.no_grad()
def fit_rule(model: LoadedModel, experiment: Experiment, rule: Rows, pixels: Tensor, inputs: int) -> dict[int, Fitted]:
    """Each unit's rule row scaled and offset to fit the real conv's output on `pixels` (input in [0, 1]); ValueError
    when given weights do not fit the unit's kernel."""
    layer = resolve_module(model.module, experiment.layer)
    convs = {unit: reading_conv(layer, unit, inputs) for unit in experiment.units}
    seen: dict[nn.Conv2d, list[tuple[Tensor, Tensor]]] = {conv: [] for conv, _ in convs.values()}

    def keep(module: nn.Module, given: tuple[Tensor, ...], output: Tensor) -> None:
        seen[module].append((given[0].float(), output.float()))

    handles = [conv.register_forward_hook(keep) for conv in seen]
    try:
        for batch in pixels.split(256):
            model.module(model.input.normalize(batch))
    finally:
        for handle in handles:
            handle.remove()
    found = {}
    for unit, (conv, channel) in convs.items():
        given = torch.cat([x for x, _ in seen[conv]])
        real = torch.cat([y[:, channel] for _, y in seen[conv]]).flatten()
        kernel = _kernel(conv, channel, rule.row(unit, inputs), unit)
        ruled = F.conv2d(given, kernel[None], stride=conv.stride, padding=conv.padding, dilation=conv.dilation)
        ruled = ruled.flatten()
        centred = ruled - ruled.mean()
        spread = float((centred * centred).sum())
        scale = float((centred * (real - real.mean())).sum()) / spread if spread > 0 else 0.0
        offset = float(real.mean()) - scale * float(ruled.mean())
        r = float(torch.corrcoef(torch.stack([ruled, real]))[0, 1]) if spread > 0 else 0.0
        found[unit] = Fitted(scale * kernel, offset, scale, r if math.isfinite(r) else 0.0)
    return found


def _kernel(conv: nn.Conv2d, channel: int, row: Tensor, unit: int) -> Tensor:
    """A unit's kernel (inputs, kh, kw) from its row: placed at the centre, or given whole at the conv's size."""
    kernel = torch.zeros_like(conv.weight[channel])
    if row.dim() == 1:
        kernel[:, conv.kernel_size[0] // 2, conv.kernel_size[1] // 2] = row
        return kernel
    if tuple(row.shape) != tuple(kernel.shape):
        raise ValueError(
            f"unit {unit}'s weights have shape {tuple(row.shape)}; its kernel is {tuple(kernel.shape)} "
            f"(or give {kernel.shape[0]} weights for its centre)"
        )
    return row.to(kernel.dtype)


@contextmanager
def edited(
    model: LoadedModel,
    experiment: Experiment,
    means: Tensor | None = None,
    rebuilt: Mapping[int, Fitted] | None = None,
) -> Iterator[None]:
    """The model with the experiment's edit in place; `means` (the layer's per-unit means) for a mean ablation,
    `rebuilt` (`fit_rule`) for a rebuild. The units must be the layer's (`Lab.run` checks)."""
    layer = resolve_module(model.module, experiment.layer)
    units = torch.tensor(experiment.units, dtype=torch.long)
    if experiment.kind == REBUILD:
        if rebuilt is None:
            raise ValueError("a rebuild needs its units' fitted rule (fit_rule)")
        with _rebuilt(layer, rebuilt):
            yield
        return
    if experiment.is_cut:
        saved = []
        with torch.no_grad():
            for unit in experiment.units:
                conv, channel = unit_conv(layer, unit)
                row = conv.weight[channel]
                saved.append((row, row.clone()))
                cut = row < 0 if experiment.kind == CUT_NEGATIVE else row > 0
                row[cut] = 0.0
        try:
            yield
        finally:
            with torch.no_grad():
                for row, original in saved:
                    row.copy_(original)
        return
    if experiment.kind == MEAN_ABLATE and means is None:
        raise ValueError("a mean ablation needs the layer's means over the images")

    def replace(_module: nn.Module, _inputs: object, output: Tensor) -> Tensor:
        output = output.clone()
        if experiment.kind == ABLATE:
            output[:, units] = 0.0
        else:
            output[:, units] = means[units].to(output.dtype).view(1, -1, *([1] * (output.dim() - 2)))
        return output

    handle = layer.register_forward_hook(replace)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def _rebuilt(layer: nn.Module, rebuilt: Mapping[int, Fitted]) -> Iterator[None]:
    """Each unit's kernel row replaced by its fitted rule, and its offset added to its conv's output."""
    saved, offsets = [], {}
    with torch.no_grad():
        for unit, fitted in rebuilt.items():
            conv, channel = unit_conv(layer, unit)
            saved.append((conv.weight[channel], conv.weight[channel].clone()))
            conv.weight[channel].copy_(fitted.kernel)
            offsets.setdefault(conv, {})[channel] = fitted.offset

    def shift(module: nn.Module, _inputs: object, output: Tensor) -> Tensor:
        output = output.clone()
        for channel, offset in offsets[module].items():
            output[:, channel] += offset
        return output

    handles = [conv.register_forward_hook(shift) for conv in offsets]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
        with torch.no_grad():
            for row, original in saved:
                row.copy_(original)
