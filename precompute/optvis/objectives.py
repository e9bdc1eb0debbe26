"""Objectives: functions of captured activations giving one score per batch item, to maximize.

Each objective names the layers it reads (so the forward pass can stop after the deepest) and carries a
stable description, used as the store key of the images rendered from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

Activations = dict[str, Tensor]


@dataclass(frozen=True)
class Objective:
    """A per-item score Tensor[B] computed from {layer: activation}; compose with +, -, unary -, * float."""

    fn: Callable[[Activations], Tensor]
    layers: frozenset[str]
    description: str

    def __call__(self, acts: Activations) -> Tensor:
        """Score every batch item."""
        return self.fn(acts)

    def __add__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(
            lambda acts: self(acts) + other(acts),
            self.layers | other.layers,
            f"{self.description} + {other.description}",
        )

    def __sub__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(
            lambda acts: self(acts) - other(acts),
            self.layers | other.layers,
            f"{self.description} - {_grouped(other.description)}",
        )

    def __neg__(self) -> Objective:
        return Objective(lambda acts: -self(acts), self.layers, f"-{_grouped(self.description)}")

    def __mul__(self, weight: float) -> Objective:
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            return NotImplemented
        weight = float(weight)
        return Objective(lambda acts: weight * self(acts), self.layers, f"{weight!r}*{_grouped(self.description)}")

    __rmul__ = __mul__


def _grouped(description: str) -> str:
    """Parenthesize a sum or difference so the composed description reads unambiguously."""
    return f"({description})" if _is_sum(description) else description


def _is_sum(description: str) -> bool:
    """Whether the description has a ` + ` or ` - ` outside parentheses."""
    # Atomic descriptions contain no spaces (layer ids and unit lists are written without them).
    depth = 0
    for i, char in enumerate(description):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and description[i : i + 3] in (" + ", " - "):
            return True
    return False


def _units_text(units: Sequence[int]) -> str:
    """Units as `[3,4]`: no spaces, so descriptions stay atomic and stable."""
    return "[" + ",".join(str(int(u)) for u in units) + "]"


def _per_item_units(act: Tensor, units: Sequence[int], layer: str) -> Tensor:
    """Unit index for each batch item: one per item, or a single unit shared by the whole batch."""
    batch, count = act.shape[0], act.shape[1]
    if len(units) not in (1, batch):
        raise ValueError(f"{layer}: {len(units)} units given for a batch of {batch}; give 1 or {batch}")
    bad = [u for u in units if not 0 <= u < count]
    if bad:
        raise ValueError(f"{layer}: units {bad} out of range; valid units are 0…{count - 1}")
    index = torch.as_tensor(list(units), device=act.device)
    return index.expand(batch) if len(units) == 1 else index


def _select(act: Tensor, units: Sequence[int], layer: str) -> Tensor:
    """act[b, units[b], ...] for every item b: (B, *spatial)."""
    index = _per_item_units(act, units, layer)
    return act[torch.arange(act.shape[0], device=act.device), index]


def channel(layer: str, units: Sequence[int]) -> Objective:
    """Item b maximizes the mean over positions of unit units[b] (the value itself for (B, C) outputs)."""
    units = tuple(int(u) for u in units)

    def fn(acts: Activations) -> Tensor:
        picked = _select(acts[layer], units, layer)
        return picked.flatten(1).mean(1) if picked.dim() > 1 else picked

    return Objective(fn, frozenset({layer}), f"channel({layer}:{_units_text(units)})")


def neuron(layer: str, units: Sequence[int], x: int | None = None, y: int | None = None) -> Objective:
    """Item b maximizes unit units[b] at column x, row y (the centre by default) of a conv map."""
    units = tuple(int(u) for u in units)

    def fn(acts: Activations) -> Tensor:
        picked = _select(acts[layer], units, layer)
        if picked.dim() == 1:  # a (B, C) output has no positions
            return picked
        height, width = picked.shape[-2:]
        col, row = width // 2 if x is None else x, height // 2 if y is None else y
        if not (0 <= col < width and 0 <= row < height):
            raise ValueError(f"{layer}: position x={col}, y={row} outside the {width}x{height} map")
        return picked[:, row, col]

    where = "" if x is None and y is None else f",x={x},y={y}"
    return Objective(fn, frozenset({layer}), f"neuron({layer}:{_units_text(units)}{where})")


def direction(layer: str, vectors: Tensor) -> Objective:
    """Item b maximizes the dot product of the position-averaged activation with vectors[b] (or one shared)."""
    vectors = vectors.detach().float()
    if vectors.dim() not in (1, 2):
        raise ValueError(f"direction vectors must be (C,) or (B, C), got shape {tuple(vectors.shape)}")
    # The tensor's bytes name it: the same vectors always give the same store key.
    digest = hashlib.sha256(vectors.cpu().contiguous().numpy().tobytes()).hexdigest()[:12]
    digest += "x" + "x".join(str(n) for n in vectors.shape)

    def fn(acts: Activations) -> Tensor:
        act = acts[layer]
        pooled = act.flatten(2).mean(2) if act.dim() > 2 else act
        vecs = vectors.to(pooled.device, pooled.dtype)
        if vecs.shape[-1] != pooled.shape[1] or (vecs.dim() == 2 and vecs.shape[0] not in (1, len(pooled))):
            raise ValueError(
                f"{layer}: direction shape {tuple(vecs.shape)} does not fit activations {tuple(pooled.shape)}"
            )
        return (pooled * vecs).sum(1)

    return Objective(fn, frozenset({layer}), f"direction({layer}:{digest})")


def diversity(layer: str, group: int | None = None) -> Objective:
    """Minus Lucid's diversity penalty: item i scores -Σ_{j≠i} cos(Gram_i, Gram_j) / n over its group.

    Without `group` the whole batch is one group; with it, consecutive runs of `group` items are (a diversity
    set per unit when each unit has `group` items in a row).
    """
    if group is not None and group < 1:
        raise ValueError(f"diversity group must be positive, got {group}")

    def fn(acts: Activations) -> Tensor:
        act = acts[layer]
        batch = act.shape[0]
        size = batch if group is None else group
        if batch % size:
            raise ValueError(f"{layer}: a batch of {batch} does not split into diversity groups of {size}")
        flat = act.reshape(batch // size, size, act.shape[1], -1)  # (groups, items, channels, positions)
        inner = _gram_inner_products(flat)  # <Gram_i, Gram_j> for every pair in a group
        norms = inner.diagonal(dim1=1, dim2=2).sqrt()
        similarity = inner / (norms[:, :, None] * norms[:, None, :]).clamp_min(1e-10)
        others = similarity.sum(2) - similarity.diagonal(dim1=1, dim2=2)
        return (-others / size).reshape(batch)

    where = layer if group is None else f"{layer},group={group}"
    return Objective(fn, frozenset({layer}), f"diversity({where})")


def _gram_inner_products(flat: Tensor) -> Tensor:
    """(G, n, n) Frobenius products of the items' Gram matrices F F^T, for (G, n, C, P) activations F.

    With fewer positions than channels (deep layers) it uses <F_i F_i^T, F_j F_j^T> = ||F_i^T F_j||², which needs
    (n·P)² numbers per group instead of the C×C Gram matrices: 4× faster for a demo mixed4b batch.
    """
    groups, items, channels, positions = flat.shape
    if positions < channels:
        stacked = flat.permute(0, 2, 1, 3).reshape(groups, channels, items * positions)
        cross = (stacked.transpose(1, 2) @ stacked).view(groups, items, positions, items, positions)
        return cross.pow(2).sum((2, 4))
    grams = (flat @ flat.transpose(2, 3)).flatten(2)  # (G, n, C·C)
    return grams @ grams.transpose(1, 2)


def class_logit(layer: str, classes: Sequence[int]) -> Objective:
    """Item b maximizes logit classes[b] of a (B, classes) output: the channel objective on it."""
    return channel(layer, classes)
