"""Colour vs black and white: how much of each unit's response survives when its images lose their colour.

For a unit u, S_u is its top-K dataset images (whole images, as the examples stage ranked them) together with one
fixed, seeded random sample of the image folder; a(x) is the unit's peak (spatial maximum) activation on image x.

    bw_ratio(u) = clip( Σ_{x∈S_u} max(a(gray(x)), 0) / Σ_{x∈S_u} max(a(x), 0), 0, 1 )

where gray(x) is x's ITU-R BT.601 luma replicated to three channels, taken before the model's normalization.
A unit with no positive response on S_u (a dead unit) gets no score: a ratio of nothing is not a measurement.

Cost: every image in the union of all S_u (the sample and each unit's top K) runs once in grayscale through the
model with every layer tapped at once; the colour peaks of the top-K images are the examples stage's own numbers
and only the sample runs once more in colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from precompute.examples import batches, collect_top_examples, spatial_max
from precompute.hooks import LayerTap
from precompute.images import DatasetImage
from precompute.layers import LayerInfo
from precompute.progress import stage_bar
from precompute.rankings import TopExamples
from precompute.zoo import LoadedModel
from store.records import Settings, score_stage, stored_settings
from store.scores import BW_RATIO
from store.writer import StoreWriter

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601: the weights of R, G and B in a grayscale image
SAMPLE_SEED = 0  # the random sample is the same on every run, so a re-run with the same settings can skip
DEFINITION = "bw_ratio/1: BT.601 luma before normalization; peak activation; top-K ∪ sample; clipped to [0, 1]"


def grayscale(batch: Tensor) -> Tensor:
    """A (B, 3, H, W) RGB batch in [0, 1] as its BT.601 luma, replicated to three channels."""
    weights = torch.tensor(LUMA, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    return (batch * weights).sum(dim=1, keepdim=True).expand_as(batch).contiguous()


def sample_images(count: int, size: int, seed: int = SAMPLE_SEED) -> list[int]:
    """`size` distinct indices of `count` images (all of them when there are fewer), drawn with `seed`, sorted."""
    if size >= count:
        return list(range(count))
    return sorted(int(i) for i in np.random.default_rng(seed).choice(count, size=size, replace=False))


@torch.no_grad()
def peak_activations(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    *,
    gray: bool,
    batch_size: int = 64,
    device: str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> dict[str, Tensor]:
    """{layer: (images, units)} peak activations of every unit on each image, in grayscale when `gray`."""
    found: dict[str, list[Tensor]] = {layer.name: [] for layer in layers}
    with LayerTap(model.module, list(found)) as tap:
        for _start, batch, _sizes in batches(images, model.input.size, batch_size):
            batch = batch.to(device)
            acts = tap.run(model.input.normalize(grayscale(batch) if gray else batch))
            for name, act in acts.items():
                found[name].append(spatial_max(act.float().cpu())[0])
            if progress:
                progress(len(batch))
    units = {layer.name: layer.units for layer in layers}
    return {name: torch.cat(parts) if parts else torch.empty(0, units[name]) for name, parts in found.items()}


@dataclass(frozen=True)
class ColourSet:
    """The images a stage measures: the sample and the union of every S_u, as indices into the image list."""

    sample: list[int]
    union: list[int]  # sorted; the sample and every unit's top-K images

    @classmethod
    def of(cls, tops: Sequence[TopExamples], count: int, sample_size: int) -> ColourSet:
        """The sample of `count` images and the union with every unit's top images in `tops`."""
        sample = sample_images(count, sample_size)
        union = set(sample).union(*(top.images.flatten().tolist() for top in tops))
        return cls(sample, sorted(union))


def bw_ratios(top: TopExamples, colour_sample: Tensor, gray: Tensor, images: ColourSet) -> dict[int, float]:
    """{unit: bw_ratio} of a layer: `colour_sample` (sample, units) and `gray` (union, units) are peak activations.

    A unit's colour peaks on its own top images are `top.values`; on the rest of the sample, `colour_sample`. The sums
    run in float64 over the layer's own images (the sample and its units' top images, in image order), never over the
    union of every layer measured with it: a float sum's rounding depends on where in the row its terms sit, and a
    resumed run measures fewer layers, so its union is another; this way its scores equal an uninterrupted run's.
    """
    units = top.values.shape[0]
    own = sorted(set(images.sample).union(top.images.flatten().tolist()))
    union_row = _positions(images.union)  # image index → row of `gray`
    column = _positions(own)  # image index → column of this layer's own images
    sample, tops = column[images.sample], column[top.images]
    members = torch.zeros(units, len(own), dtype=torch.bool)
    colour = torch.zeros(units, len(own), dtype=torch.float64)
    members[:, sample] = True
    colour[:, sample] = colour_sample.T.double()
    members.scatter_(1, tops, True)  # an image both sampled and among the top counts once
    colour.scatter_(1, tops, top.values.double())  # the examples stage's own numbers
    in_colour = (colour.clamp(min=0) * members).sum(dim=1)
    in_gray = (gray[union_row[own]].T.double().clamp(min=0) * members).sum(dim=1)
    ratio = (in_gray / in_colour).clamp(0, 1)
    return {unit: float(ratio[unit]) for unit in range(units) if in_colour[unit] > 0}  # a dead unit: no score


def _positions(indices: Sequence[int]) -> Tensor:
    """A lookup from image index to its position in the sorted `indices` (−1 for images not among them)."""
    lookup = torch.full((max(indices, default=0) + 1,), -1, dtype=torch.long)
    lookup[list(indices)] = torch.arange(len(indices))
    return lookup


def colour_settings(examples: Settings, sample: int) -> Settings:
    """The settings the scores stage records: the examples' (images, count, top-K, weights), sample and seed."""
    return stored_settings(
        {
            **{key: examples[key] for key in ("images", "count", "max_images", "top_k", "input", "weights_sha256")},
            "score": BW_RATIO.name,
            "definition": DEFINITION,
            "sample": sample,
            "sample_seed": SAMPLE_SEED,
        }
    )


def colour_stage(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    images: Sequence[DatasetImage],
    writer: StoreWriter,
    settings: Settings,
    *,
    tops: dict[str, TopExamples],
    top_k: int,
    sample: int,
    batch_size: int = 64,
    device: str = "cpu",
    show_progress: bool = True,
) -> list[str]:
    """Measure and store bw_ratio for the layers whose scores stage has other settings; the layers done.

    `tops` are the examples stage's top images of the layers it just ranked; a layer it skipped (its examples
    already stored) is ranked again here, by the same function over the same images, so the score uses the
    same top-K images as the stored examples.
    """
    todo = [
        layer
        for layer in layers
        if writer.reader.stage_settings(model.id, layer.name, score_stage(BW_RATIO.name)) != settings
    ]
    if not todo:
        return []
    unranked = [layer for layer in todo if layer.name not in tops]
    with stage_bar("colour vs b&w", len(images) if unranked else 0, "img", enabled=show_progress) as bar:
        run = {"batch_size": batch_size, "device": device, "progress": bar.update}
        if unranked:
            ranked, _ = collect_top_examples(model, unranked, images, top_k=top_k, **run)  # type: ignore[arg-type]
            tops = {**tops, **ranked}
        chosen = ColourSet.of([tops[layer.name] for layer in todo], len(images), sample)
        bar.total = bar.n + len(chosen.sample) + len(chosen.union)
        colour = peak_activations(model, todo, [images[i] for i in chosen.sample], gray=False, **run)  # type: ignore[arg-type]
        gray = peak_activations(model, todo, [images[i] for i in chosen.union], gray=True, **run)  # type: ignore[arg-type]
    for layer in todo:
        ratios = bw_ratios(tops[layer.name], colour[layer.name], gray[layer.name], chosen)
        writer.put_scores(model.id, layer.name, {BW_RATIO.name: ratios}, settings)
    return [layer.name for layer in todo]
