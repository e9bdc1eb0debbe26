"""A copy of a model made cheap to render with: BatchNorm folded into convolutions, weights frozen, device layout.

Rendering runs the network forward and backward hundreds of times in eval mode. An eval-mode BatchNorm is an
affine map per channel, so folding it into the convolution before it gives the same outputs with one op fewer
forward and backward (about 10 % of a GoogLeNet step on a CPU). Module names stay as they were: a folded
BatchNorm becomes an `nn.Identity` under its own name, so a hook on it still sees its (now identical) output.
A convolution whose own output is read (by anything but its BatchNorm, or as one of the layers rendered) is left
alone, since folding would change it.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_eval
from torch.overrides import TorchFunctionMode

from precompute.hooks import LayerTap

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


class _UseCounter(TorchFunctionMode):
    """Counts, during one forward pass, every torch call that reads a convolution's output.

    Calls made inside a BatchNorm's own forward are not counted: they are the BatchNorm reading its input.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv_outputs: dict[int, str] = {}  # id(tensor) → the conv that produced it
        self.keep_alive: list[Tensor] = []  # so ids are not reused during the pass
        self.uses: Counter[int] = Counter()
        self.inside_norm = 0

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict | None = None
    ) -> Any:
        if not self.inside_norm:
            for value in _tensors((args, kwargs or {})):
                if id(value) in self.conv_outputs:
                    self.uses[id(value)] += 1
        return func(*args, **(kwargs or {}))


def _tensors(value: Any) -> Iterator[Tensor]:
    """Every tensor in a call's arguments, also inside lists, tuples and dicts (`torch.cat([a, b])`)."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def conv_bn_pairs(model: nn.Module, example: Tensor, upto: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(conv, batchnorm) module paths where a BatchNorm reads a conv's output and nothing else does.

    Found by running `example` through the model once and watching every torch call, so models with any
    control flow or functional code are handled; a conv or BatchNorm module called more than once is skipped.
    With `upto`, the pass stops once those layers have run: what happens after them is never computed when
    rendering objectives on them, so it does not matter.
    """
    counter = _UseCounter()
    calls: Counter[str] = Counter()
    norm_inputs: dict[str, int] = {}

    def on_conv(path: str) -> Callable[..., None]:
        def hook(_module: nn.Module, _inputs: Any, output: Tensor) -> None:
            calls[path] += 1
            counter.conv_outputs[id(output)] = path
            counter.keep_alive.append(output)

        return hook

    def before_norm(path: str) -> Callable[..., None]:
        def hook(_module: nn.Module, inputs: tuple[Any, ...]) -> None:
            calls[path] += 1
            norm_inputs[path] = id(inputs[0]) if inputs else -1
            counter.inside_norm += 1

        return hook

    def after_norm(_module: nn.Module, _inputs: Any, _output: Any) -> None:
        counter.inside_norm -= 1

    handles = []
    for path, module in model.named_modules():
        if isinstance(module, _CONVS):
            handles.append(module.register_forward_hook(on_conv(path)))
        elif isinstance(module, _NORMS):
            handles.append(module.register_forward_pre_hook(before_norm(path)))
            handles.append(module.register_forward_hook(after_norm))
    try:
        with torch.no_grad(), counter:
            if upto:
                with LayerTap(model, list(upto)) as tap:
                    tap.run(example)
            else:
                model(example)
    finally:
        for handle in handles:
            handle.remove()
    pairs = []
    for norm, tensor_id in norm_inputs.items():
        conv = counter.conv_outputs.get(tensor_id)
        if conv is not None and counter.uses[tensor_id] == 0 and calls[conv] == 1 and calls[norm] == 1:
            pairs.append((conv, norm))
    return pairs


def _set_submodule(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, name = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, name, module)


def fold_batchnorm_(model: nn.Module, example: Tensor, layers: Iterable[str] = ()) -> list[str]:
    """Fold the eval-mode `model`'s BatchNorms in place, as far as `layers` (all: the whole model).

    Convolutions named in `layers` keep their own outputs. Returns the folded convolutions' paths.
    """
    layers = list(layers)
    convs = []
    for conv_path, norm_path in conv_bn_pairs(model, example, layers):
        norm = model.get_submodule(norm_path)
        if conv_path in layers or norm.training or not norm.track_running_stats:
            continue  # a training BatchNorm (or one without running stats) is not a fixed affine map
        _set_submodule(model, conv_path, fuse_conv_bn_eval(model.get_submodule(conv_path), norm))
        _set_submodule(model, norm_path, nn.Identity())
        convs.append(conv_path)
    return convs


def prepare_for_render(
    model: nn.Module,
    device: torch.device | str,
    example: Tensor,
    *,
    layers: Iterable[str] = (),
    channels_last: bool = False,
) -> tuple[nn.Module, list[str]]:
    """A frozen, eval-mode, BatchNorm-folded copy of `model` on `device`, and the paths of the convs folded.

    `example` is an input the model accepts (one forward pass finds what can be folded). `layers` are the
    layers the copy will be read at, never past the deepest: their outputs are exactly the model's (all
    named modules' are when `layers` is empty). The model itself is not touched. The copy's weights never
    require grad, so a backward pass computes input gradients only.
    """
    prepared = copy.deepcopy(model).eval().requires_grad_(False).to(device)
    folded = fold_batchnorm_(prepared, example.to(device), layers)
    if channels_last:
        prepared.to(memory_format=torch.channels_last)
    return prepared, folded
