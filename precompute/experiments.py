"""Run an experiment (store.experiments) on a loaded model and measure what the edit changes.

An edit is in place only inside `edited(...)`: removing units is a forward hook on their layer; cutting weights sets
entries of the conv that computes each unit (`unit_conv`) to 0 and puts them back on leaving, so the model is the
same afterwards. `run` measures the model as it is and with the edit, on the same images and stimuli:

- accuracy on the dataset images whose label is one of the model's classes, overall and per class;
- each unit of the next browsable layer: its mean activation (over images and positions), before and after;
- orientation tuning (precompute.tuning's stimuli and definitions): for a cut, of the edited units; for a removal,
  of the next layer's units whose mean activation changed most.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from precompute.hooks import resolve_module
from precompute.images import DatasetImage, load_rgb, to_input
from precompute.layers import LayerInfo, probe_layers
from precompute.progress import stage_bar
from precompute.tuning import curve_arrays, measure, unit_scores
from precompute.tuning_stimuli import patch_side, probes, stimulus_batch
from precompute.zoo import LoadedModel
from store.experiments import ABLATE, CUT_NEGATIVE, MEAN_ABLATE, PRECOMPUTED, Experiment, ExperimentResult
from store.reader import StoreReader
from store.records import Settings, stored_settings
from store.scores import FAMILY_SCORES, FAMILY_TOP, ORIENTATION, ORIENTATION_SELECTIVITY
from store.writer import StoreWriter

EXPERIMENTS_VERSION = 1
BATCH = 256
TOP_CHANGED = 12  # next-layer units listed by how much their mean activation changed
TUNED = 8  # of those, the ones whose orientation tuning is measured again with the edit in place
CURVES = "curves"  # the family whose incoming negative weights the standard experiments cut
# Families of oriented features: removing one may change the next layer's orientation tuning, which the standard
# experiments then measure (a pass over every tuning stimulus, about as long as one over the demo's images).
ORIENTED_FAMILIES = ("curves", "lines")


@dataclass
class Images:
    """The dataset images as the model's input in [0, 1] (N, 3, size, size), with each one's class index (-1: its
    label is not one of the model's classes)."""

    pixels: Tensor
    classes: Tensor

    @property
    def labelled(self) -> int:
        return int((self.classes >= 0).sum())


def load_images(model: LoadedModel, images: Sequence[DatasetImage]) -> Images:
    """The images framed as the model sees them, labelled by the model's class names."""
    index = {name: i for i, name in enumerate(model.class_labels)}
    pixels = torch.stack([to_input(load_rgb(image.path), model.input.size) for image in images])
    classes = torch.tensor([index.get(image.label or "", -1) for image in images], dtype=torch.long)
    return Images(pixels, classes)


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


@contextmanager
def edited(model: LoadedModel, experiment: Experiment, means: Tensor | None = None) -> Iterator[None]:
    """The model with the experiment's edit in place; `means` (the layer's per-unit means) for a mean ablation. The
    units must be the layer's (`run` checks)."""
    layer = resolve_module(model.module, experiment.layer)
    units = torch.tensor(experiment.units, dtype=torch.long)
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


@dataclass
class Pass:
    """One pass over the images: the predicted classes, and each watched layer's per-unit mean activation."""

    predicted: Tensor
    means: dict[str, Tensor]


@torch.no_grad()
def forward_pass(model: LoadedModel, images: Images, layers: Sequence[str], device: str = "cpu") -> Pass:
    """Predictions and the layers' per-unit means (over images and positions) of a pass over the images."""
    sums: dict[str, Tensor] = {}

    def watch(name: str):  # noqa: ANN202 - a forward hook
        def hook(_module: nn.Module, _inputs: object, output: Tensor) -> None:
            values = output.float().flatten(2).mean(2) if output.dim() > 2 else output.float()
            sums[name] = sums.get(name, 0) + values.sum(0).cpu()

        return hook

    handles = [resolve_module(model.module, name).register_forward_hook(watch(name)) for name in layers]
    try:
        predicted = torch.cat(
            [
                model.module(_channels_last(model.input.normalize(batch.to(device)))).argmax(1).cpu()
                for batch in images.pixels.split(BATCH)
            ]
        )
    finally:
        for handle in handles:
            handle.remove()
    return Pass(predicted, {name: total / len(images.pixels) for name, total in sums.items()})


def _channels_last(batch: Tensor) -> Tensor:
    """The batch laid out channels-last: the CPU's convolutions run about 15% faster on it (the demo, 2 cores)."""
    return batch.contiguous(memory_format=torch.channels_last)


def layer_tuning(
    model: LoadedModel, layer: LayerInfo, device: str = "cpu", stimuli: dict[int, Tensor] | None = None
) -> dict[str, np.ndarray]:
    """Every unit's preferred orientation and orientation selectivity, as precompute.tuning measures them; `stimuli`
    keeps the probes drawn at each patch side across calls."""
    side = patch_side(layer.rf_size, model.input.size)
    drawn = stimuli if stimuli is not None else {}
    if side not in drawn:
        drawn[side] = stimulus_batch(probes(), side, model.input.size)
    found = measure(model, [layer], side, device, drawn[side])[layer.name]
    scores = unit_scores(curve_arrays(found.cpu().numpy().astype(np.float64)))
    return {key.name: scores[key.name] for key in (ORIENTATION, ORIENTATION_SELECTIVITY)}


def _finite(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None


def _accuracy(predicted: Tensor, classes: Tensor) -> float | None:
    known = classes >= 0
    return round(float((predicted[known] == classes[known]).float().mean()), 4) if known.any() else None


class Lab:
    """A model and its images, measured once as they are: the baseline every experiment is compared with (one pass
    over the images for all its layers, and each layer's tuning when first needed)."""

    def __init__(self, model: LoadedModel, images: Images, layers: Sequence[LayerInfo], device: str = "cpu") -> None:
        self.model, self.images, self.layers, self.device = model, images, list(layers), device
        self.names = [layer.name for layer in self.layers]
        self.baseline = forward_pass(model, images, self.names, device)
        self._tuning: dict[str, dict[str, np.ndarray]] = {}
        self._stimuli: dict[int, Tensor] = {}  # the tuning probes drawn at each patch side, drawn once

    def tuning(self, layer: LayerInfo) -> dict[str, np.ndarray]:
        """The layer's tuning scores without any edit (measured once)."""
        if layer.name not in self._tuning:
            self._tuning[layer.name] = layer_tuning(self.model, layer, self.device, self._stimuli)
        return self._tuning[layer.name]

    def run(self, experiment: Experiment, tune: bool = True) -> ExperimentResult:
        """Measure the model with the edit in place against the baseline (`tune`: its orientation tuning too)."""
        if experiment.layer not in self.names:
            raise ValueError(f"{self.model.id} has no layer {experiment.layer!r}; layers: {', '.join(self.names)}")
        at = self.names.index(experiment.layer)
        layer, following = self.layers[at], (self.layers[at + 1] if at + 1 < len(self.layers) else None)
        if experiment.units[-1] >= layer.units:
            raise ValueError(f"{experiment.layer} has units 0–{layer.units - 1}; got {experiment.units[-1]}")
        watched = [experiment.layer] + ([following.name] if following else [])
        before = self.baseline
        with edited(self.model, experiment, before.means[experiment.layer]):
            after = forward_pass(self.model, self.images, watched, self.device)
            changed = _changed(before, after, following) if following else []
            tuned_layer = layer if experiment.is_cut else following
            tuned_layer = tuned_layer if tune and tuned_layer is not None and tuned_layer.kind == "conv" else None
            tuned = list(experiment.units) if experiment.is_cut else [row["unit"] for row in changed[:TUNED]]
            tuned_after = (
                layer_tuning(self.model, tuned_layer, self.device, self._stimuli) if tuned_layer and tuned else {}
            )
        tuned_before = self.tuning(tuned_layer) if tuned_layer and tuned else {}
        return {
            "spec": str(experiment),
            "kind": experiment.kind,
            "layer": experiment.layer,
            "units": list(experiment.units),
            "title": experiment.title,
            "images": len(self.images.pixels),
            "labelled": self.images.labelled,
            "accuracy": {
                "before": _accuracy(before.predicted, self.images.classes),
                "after": _accuracy(after.predicted, self.images.classes),
            },
            "classes": _per_class(self.model, self.images, before.predicted, after.predicted),
            "edited": _means(before, after, experiment.layer, experiment.units),
            "next_layer": following.name if following else None,
            "changed": changed,
            "tuning": {
                "layer": tuned_layer.name if tuned_layer and tuned else None,
                "units": [_tuned(u, tuned_before, tuned_after) for u in tuned] if tuned_after else [],
            },
        }


def _tuned(unit: int, before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> dict:
    """A unit's orientation and selectivity without and with the edit."""
    row: dict = {"unit": unit}
    for name in before:
        row[f"{name}_before"], row[f"{name}_after"] = _finite(before[name][unit]), _finite(after[name][unit])
    return row


def _means(before: Pass, after: Pass, layer: str, units: Sequence[int]) -> list[dict]:
    """The units' mean activations without and with the edit."""
    old, new = before.means[layer], after.means[layer]
    return [{"unit": u, "before": round(float(old[u]), 5), "after": round(float(new[u]), 5)} for u in units]


def _changed(before: Pass, after: Pass, layer: LayerInfo) -> list[dict]:
    """The next layer's units whose mean activation changed most (by absolute change), with both means."""
    old, new = before.means[layer.name], after.means[layer.name]
    order = (new - old).abs().argsort(descending=True)[:TOP_CHANGED]
    return [
        {"unit": int(u), "before": round(float(old[u]), 5), "after": round(float(new[u]), 5)}
        for u in order
        if float(new[u] - old[u]) != 0.0
    ]


def _per_class(model: LoadedModel, images: Images, before: Tensor, after: Tensor) -> list[dict]:
    rows = []
    for index, name in enumerate(model.class_labels):
        mine = images.classes == index
        if mine.any():
            rows.append(
                {
                    "name": name,
                    "images": int(mine.sum()),
                    "before": round(float((before[mine] == index).float().mean()), 4),
                    "after": round(float((after[mine] == index).float().mean()), 4),
                }
            )
    return rows


def standard_experiments(
    reader: StoreReader, model_id: str, layers: Sequence[str]
) -> list[tuple[Experiment, list[str]]]:
    """The experiments every store runs, each with the families it edits: remove each family of each layer (its top
    FAMILY_TOP members, as its family page lists them), and cut the negative weights into each curve family. Families
    of a layer that list the same units (a small layer's, ranked without a gate) share one experiment."""
    chosen: dict[Experiment, list[str]] = {}
    cuts: dict[Experiment, list[str]] = {}
    for family, score in FAMILY_SCORES.items():
        ranked = reader.units_scored(model_id, score.name, FAMILY_TOP, list(layers), family)
        for layer in layers:
            units = tuple(u.unit for u in ranked.get(layer, []))
            if not units:
                continue
            chosen.setdefault(Experiment(ABLATE, layer, units), []).append(family)
            if family == CURVES:
                cuts.setdefault(Experiment(CUT_NEGATIVE, layer, units), []).append(family)
    order = {name: i for i, name in enumerate(layers)}
    return [item for group in (chosen, cuts) for item in sorted(group.items(), key=lambda e: order[e[0].layer])]


def _cuttable(model: LoadedModel, experiment: Experiment) -> bool:
    """Whether each unit the experiment cuts into has a conv computing it (`unit_conv`)."""
    layer = resolve_module(model.module, experiment.layer)
    try:
        for unit in experiment.units:
            unit_conv(layer, unit)
    except ValueError:
        return False
    return True


def experiments_settings(
    model: LoadedModel, images: Sequence[DatasetImage], chosen: Sequence[tuple[Experiment, list[str]]]
) -> Settings:
    """What the stage records: its version, the weights, the images and the experiments run (from the families)."""
    return stored_settings(
        {
            "version": EXPERIMENTS_VERSION,
            "weights_sha256": model.weights_hash,
            "images": len(images),
            "experiments": [str(e) for e, _ in chosen],
        }
    )


def experiments_stage(
    model: LoadedModel,
    writer: StoreWriter,
    images: Sequence[DatasetImage],
    *,
    device: str = "cpu",
    progress: bool = True,
) -> str:
    """Run the standard experiments on the dataset images labelled with the model's classes and store their results,
    unless stored with the same settings; what it did, in words."""
    labelled = [image for image in images if image.label in set(model.class_labels)]
    if not labelled:
        return "no experiments (no dataset images labelled with the model's classes)"
    layers = probe_layers(model)
    reader = StoreReader(writer.location)
    try:
        chosen = standard_experiments(reader, model.id, [layer.name for layer in layers])
    finally:
        reader.engine.dispose()  # the writer finalizes the store when it closes: no reader may hold it open
    chosen = [(e, family) for e, family in chosen if not e.is_cut or _cuttable(model, e)]
    if not chosen:
        return "no experiments (no layer has a family)"
    settings = experiments_settings(model, labelled, chosen)
    if writer.reader.experiments_settings(model.id) == settings:
        return "experiments kept"
    lab = Lab(model, load_images(model, labelled), layers, device)
    results = []
    with stage_bar("experiments", len(chosen), "experiment", enabled=progress) as bar:
        for experiment, families in chosen:
            tune = experiment.is_cut or any(f in ORIENTED_FAMILIES for f in families)
            found = lab.run(experiment, tune)
            results.append({**found, "family": families[0], "families": families, "origin": PRECOMPUTED})
            bar.update()
    writer.put_experiments(model.id, results, settings)
    return f"{len(results)} experiments run"
