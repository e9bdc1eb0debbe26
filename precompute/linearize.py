"""Run a network as if its nonlinearities were removed, the way the Circuits articles expand weights.

Inside `linearized()`, ReLU-family activations become the identity and max-pooling becomes average pooling
over the same window. Whatever calls them (modules or functional code), the path between two layers is then
affine, so its gradient is the same at every input: the expanded weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

_IDENTITY_NAMES = {"relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "gelu", "silu", "hardtanh"}
_MAXPOOL_NAMES = {"max_pool1d", "max_pool2d", "max_pool2d_with_indices", "_max_pool2d"}


def _as_avg_pool(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor:
    names = ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"]
    bound = dict(zip(names, args, strict=False)) | kwargs
    x = bound["input"]
    out = F.avg_pool2d(
        x,
        bound["kernel_size"],
        bound.get("stride") or bound["kernel_size"],
        bound.get("padding", 0),
        ceil_mode=bool(bound.get("ceil_mode", False)),
        count_include_pad=False,
    )
    return (out, torch.zeros_like(out, dtype=torch.long)) if bound.get("return_indices") else out


class linearized(TorchFunctionMode):  # noqa: N801 - used like a function: `with linearized():`
    """Context in which activations are identities and max-pools are average pools."""

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict | None = None
    ) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _IDENTITY_NAMES and args and isinstance(args[0], torch.Tensor):
            return args[0]
        if name in _MAXPOOL_NAMES:
            return _as_avg_pool(args, kwargs)
        return func(*args, **kwargs)
