"""Lucid's redirected ReLU gradient, used during the first steps of a render so dead units can wake up.

A unit whose pre-activation is negative everywhere gets no gradient through a ReLU, and optimization starting
from noise would never reach it. For a batch item whose ordinary ReLU gradient is all zero, the redirected
gradient lets through every component except those that would push an already-negative input lower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

_RELU_NAMES = {"relu", "relu_"}


class _RedirectedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:  # noqa: D102
        out = x.clamp_min(0)
        ctx.save_for_backward(out)  # out > 0 exactly where x > 0; the next layer keeps it alive anyway
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # noqa: D102
        (out,) = ctx.saved_tensors
        relu_grad = torch.ops.aten.threshold_backward(grad, out, 0)  # the plain ReLU gradient, one fused pass
        if grad.dim() == 0:
            return relu_grad
        reached = _reached(relu_grad)
        if bool(reached.all()):  # the common case after the first few steps: plain ReLU gradient
            return relu_grad
        return _redirect(grad, out, relu_grad, reached)


class _RedirectedReLUStatic(_RedirectedReLU):
    """The same gradient without a branch on tensor values, so `torch.compile` captures it whole."""

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # noqa: D102
        (out,) = ctx.saved_tensors
        relu_grad = torch.ops.aten.threshold_backward(grad, out, 0)
        return _redirect(grad, out, relu_grad, _reached(relu_grad)) if grad.dim() else relu_grad


def _reached(relu_grad: Tensor) -> Tensor:
    """Per batch item: does any of the plain ReLU gradient get through?"""
    # Reduce over all but the batch dim in place: flattening a channels-last tensor would copy it.
    return relu_grad.abs().amax(dim=tuple(range(1, relu_grad.dim()))) > 0


def _redirect(grad: Tensor, out: Tensor, relu_grad: Tensor, reached: Tensor) -> Tensor:
    """The plain gradient for items it reaches; for the others, all but what would push an off input lower."""
    redirected = grad.masked_fill((out <= 0) & (grad > 0), 0)
    return torch.where(reached.view(-1, *([1] * (grad.dim() - 1))), relu_grad, redirected)


def redirected_relu_fn(x: Tensor) -> Tensor:
    """ReLU forward with Lucid's redirected gradient: the op a traced graph calls in place of `torch.relu`."""
    return _RedirectedReLU.apply(x)


def redirected_relu_static(x: Tensor) -> Tensor:
    """`redirected_relu_fn` without a data-dependent branch, for graphs that `torch.compile` captures."""
    return _RedirectedReLUStatic.apply(x)


class redirected_relu(TorchFunctionMode):  # noqa: N801 - used like a function: `with redirected_relu():`
    """Context in which every ReLU (module or functional) back-propagates Lucid's redirected gradient."""

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict | None = None
    ) -> Any:
        if getattr(func, "__name__", "") in _RELU_NAMES and args and isinstance(args[0], Tensor):
            return _RedirectedReLU.apply(args[0])
        return func(*args, **(kwargs or {}))
