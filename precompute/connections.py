"""Connections between a layer and the browsable layer before it: conv weights, or expanded weights across blocks.

With the nonlinearities removed (`linearized`), the path from the previous layer to this one is affine, so the
gradient of a unit's centre activation with respect to the previous layer's map is the same for every input: the
"expanded weights" of the Circuits articles. When one conv (with only affine/elementwise steps around it) joins the
two layers, that gradient is exactly the conv's kernel (with any BatchNorm scale folded in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from precompute.hooks import LayerTap
from precompute.layers import LayerInfo
from precompute.linearize import linearized
from precompute.packed_weights import packed_kernels
from precompute.svd import weight_svd
from precompute.zoo import LoadedModel
from store.records import EdgeRecord, WeightsRecord

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


@dataclass
class Expanded:
    """Kernels `(dst units, src units, kh, kw)` (1×1 for linear layers) and how they were obtained.

    The kernels are rounded to float16, the precision the store keeps them in, so every number derived from
    them (edges, their ranks, the SVD) is derived from exactly the stored tensor.
    """

    kernels: Tensor
    kind: str  # "direct" (one conv/linear joins the layers) or "expanded"

    def __post_init__(self) -> None:
        self.kernels = self.kernels.half().float()

    @property
    def weights(self) -> Tensor:
        """Scalar strength of every edge: the kernel's sum (its effect on a uniform input)."""
        return self.kernels.sum(dim=(2, 3))

    def record(self, source: str) -> WeightsRecord:
        """The full tensor as the store keeps it (float16), with its SVD."""
        tensor = self.kernels.half().numpy()
        return WeightsRecord(source=source, kind=self.kind, tensor=tensor, svd=weight_svd(tensor))


def _centre(shape: torch.Size) -> tuple[int, ...]:
    return tuple(s // 2 for s in shape[2:])


def expanded_weights(
    model: LoadedModel,
    src: LayerInfo,
    dst: LayerInfo,
    *,
    batch_size: int = 64,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> Expanded:
    """The (expanded) weights from every unit of `src` into every unit of `dst`; `progress(n)` after each n units.

    Many units share a pass where their kernels fit side by side in the map (precompute.packed_weights); otherwise
    each unit takes one image of a batch.
    """
    packed = packed_kernels(model, src, dst, batch_size=batch_size, device=device, progress=progress)
    if packed is not None:
        return Expanded(packed, _kind(_weighted_between(model, src.name, dst.name, device), packed))
    grads = []
    for start in range(0, dst.units, batch_size):
        units = torch.arange(start, min(start + batch_size, dst.units), device=device)
        grads.append(_gradients(model, src.name, dst.name, units, device))
        if progress is not None:
            progress(len(units))
    grad = torch.cat(grads)  # (dst units, src units, H, W), or (dst units, src units) after a flatten
    kernels = grad[:, :, None, None] if grad.dim() == 2 else _support_window(grad)
    return Expanded(kernels, _kind(_weighted_between(model, src.name, dst.name, device), kernels))


def _support_window(grad: Tensor) -> Tensor:
    """The smallest spatial window holding every nonzero gradient (the path's receptive field)."""
    nonzero = grad.abs().amax(dim=(0, 1)) > 0
    rows, cols = nonzero.any(dim=1).nonzero().flatten(), nonzero.any(dim=0).nonzero().flatten()
    if len(rows) == 0:
        return grad[:, :, :1, :1].contiguous()
    return grad[:, :, int(rows.min()) : int(rows.max()) + 1, int(cols.min()) : int(cols.max()) + 1].contiguous()


def _kind(weighted: list[nn.Module], kernels: Tensor) -> str:
    if len(weighted) != 1:
        return "expanded"
    module = weighted[0]
    same_window = isinstance(module, nn.Linear) or tuple(getattr(module, "kernel_size", ())) == kernels.shape[2:]
    return "direct" if same_window else "expanded"


def _gradients(model: LoadedModel, src: str, dst: str, units: Tensor, device: str) -> Tensor:
    """d(each unit's centre activation in `dst`) / d(`src`'s map), one backward pass for the whole batch of units.

    The layers before `src` run on a single image: `src`'s output is replaced by a zero batch with one map per unit,
    so only the path from `src` to `dst` runs once per unit. A network that mixes tensors from before `src` into the
    path (so the batch sizes disagree) is run again with the whole batch from the input.
    """
    try:
        return _batched_gradients(model, src, dst, units, device, input_batch=1)
    except RuntimeError:
        return _batched_gradients(model, src, dst, units, device, input_batch=len(units))


def _batched_gradients(model: LoadedModel, src: str, dst: str, units: Tensor, device: str, input_batch: int) -> Tensor:
    leaf: dict[str, Tensor] = {}

    def substitute(output: Tensor) -> Tensor:
        leaf["z"] = output.new_zeros((len(units), *output.shape[1:]), requires_grad=True)
        return leaf["z"]

    x = torch.zeros(input_batch, 3, model.input.size, model.input.size, device=device)
    with torch.enable_grad(), linearized(), LayerTap(model.module, [dst], replace={src: substitute}) as tap:
        out = tap.run(model.input.normalize(x))[dst]
        picked = out[torch.arange(len(units), device=device), units]
        picked = picked[(slice(None), *_centre(out.shape))] if out.dim() > 2 else picked
        (grad,) = torch.autograd.grad(picked.sum(), leaf["z"])
    return grad.detach().float().cpu()


def _weighted_between(model: LoadedModel, src: str, dst: str, device: str) -> list[nn.Module]:
    """The conv/linear modules on the path from `src`'s output to `dst`'s: those the gradient flows back through.

    Forward order alone would also count a sibling branch that runs between the two without feeding `dst`.
    """
    on_path: list[nn.Module] = []

    def watch(module: nn.Module, _inputs: object, output: object) -> None:
        if isinstance(output, Tensor) and output.requires_grad:  # computed from the substituted `src`
            output.register_hook(lambda _grad: on_path.append(module))

    leaf: dict[str, Tensor] = {}

    def substitute(output: Tensor) -> Tensor:
        leaf["z"] = torch.zeros_like(output, requires_grad=True)
        return leaf["z"]

    x = torch.zeros(1, 3, model.input.size, model.input.size, device=device)
    handles = [m.register_forward_hook(watch) for m in model.module.modules() if isinstance(m, _WEIGHTED)]
    try:  # registered before the tap's hooks, so `dst` itself is watched before the tap stops the pass
        with torch.enable_grad(), linearized(), LayerTap(model.module, [dst], replace={src: substitute}) as tap:
            torch.autograd.grad(tap.run(model.input.normalize(x))[dst].sum(), leaf["z"])
    finally:
        for handle in handles:
            handle.remove()
    return on_path


def edge_records(expanded: Expanded, top: int) -> Iterator[EdgeRecord]:
    """The strongest `top` positive and `top` negative edges of every destination and of every source unit."""
    weights = expanded.weights
    in_ranks, out_ranks = _ranks(weights, top), _ranks(weights.T, top).T
    keep = (in_ranks >= 0) | (out_ranks >= 0)
    for dst, src in keep.nonzero().tolist():
        yield EdgeRecord(
            src_unit=src,
            dst_unit=dst,
            weight=float(weights[dst, src]),
            kind=expanded.kind,
            kernel=_rounded(expanded.kernels[dst, src]),
            in_rank=_rank_or_none(in_ranks[dst, src]),
            out_rank=_rank_or_none(out_ranks[dst, src]),
        )


def _ranks(weights: Tensor, top: int) -> Tensor:
    """Per row, the rank (strongest |w| first) of the `top` most positive and `top` most negative entries; else -1."""
    ranks = torch.full_like(weights, -1, dtype=torch.long)
    k = min(top, weights.shape[1])
    chosen = torch.zeros_like(weights, dtype=torch.bool)
    chosen.scatter_(1, weights.topk(k, dim=1).indices, True)
    chosen.scatter_(1, (-weights).topk(k, dim=1).indices, True)
    chosen &= weights != 0
    strength = torch.where(chosen, weights.abs(), torch.full_like(weights, -1.0))
    order = strength.argsort(dim=1, descending=True)
    position = torch.empty_like(order).scatter_(1, order, torch.arange(weights.shape[1]).expand_as(order).contiguous())
    return torch.where(chosen, position, ranks)


def _rank_or_none(rank: Tensor) -> int | None:
    return int(rank) if rank >= 0 else None


def _rounded(kernel: Tensor) -> list:
    return [[float(f"{v:.5g}") for v in row] for row in kernel.tolist()]
