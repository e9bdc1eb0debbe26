"""Run an experiment (store.experiments) on a loaded model and measure what the edit changes.

The edit is in place only inside `precompute.edits.edited(...)`. `Lab.run` measures the model as it is and with the
edit, on the same images and stimuli:

- accuracy on the dataset images whose label is one of the model's classes, overall and per class;
- each unit of the next browsable layer: its mean activation (over images and positions), before and after;
- orientation tuning (precompute.tuning's stimuli and definitions): for a cut or a rebuild, of the edited units; for
  a removal, of the next layer's units whose mean activation changed most;
- for a rebuild, the same units removed instead (what the rebuilt units win back), and how closely each rebuilt unit
  follows the real one: the correlation of their activations over the images, of their orientation curves and of
  their summed weights from the rule's units, and the top images the two share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from precompute.edits import Fitted, Rows, edited, fit_rule, reading_conv
from precompute.hooks import resolve_module
from precompute.images import DatasetImage, load_rgb, to_input
from precompute.layers import LayerInfo
from precompute.tuning import curve_arrays, measure, unit_scores
from precompute.tuning_stimuli import ANGLES, patch_side, probes, stimulus_batch
from precompute.zoo import LoadedModel
from store.experiments import ABLATE, REBUILD, Experiment, ExperimentResult
from store.scores import ORIENTATION, ORIENTATION_SELECTIVITY

EXPERIMENTS_VERSION = 3  # 2: rebuilds read every curve unit of the previous layer; 3: their weights, top images
BATCH = 256
TOP_CHANGED = 12  # next-layer units listed by how much their mean activation changed
TUNED = 8  # of those, the ones whose orientation tuning is measured again with the edit in place
CURVES = "curves"  # the family whose incoming negative weights the standard experiments cut
# Families of oriented features: removing one may change the next layer's orientation tuning, which the standard
# experiments then measure (a pass over every tuning stimulus, about as long as one over the demo's images).
ORIENTED_FAMILIES = ("curves", "lines")
TUNING_SCORES = (ORIENTATION, ORIENTATION_SELECTIVITY)  # what a result reports of a unit's tuning, before and after
CURVE = "orientation_curve"  # and the tuning curve a rebuilt unit's is compared with the real one's
TOP = 16  # a rebuilt unit's top images, compared with the real unit's (as many as a unit page's top examples)
FIT_EVERY = 3  # a rebuild's scales and offsets are fitted on every 3rd image (its accuracy is measured on all)


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


@dataclass
class Pass:
    """One pass over the images: the predicted classes, and each watched layer's per-unit mean activation."""

    predicted: Tensor
    means: dict[str, Tensor]
    per_image: dict[str, Tensor] = field(default_factory=dict)  # (images, units) of the layers asked for


@torch.no_grad()
def forward_pass(
    model: LoadedModel, images: Images, layers: Sequence[str], device: str = "cpu", per_image: Sequence[str] = ()
) -> Pass:
    """Predictions and the layers' per-unit means (over images and positions) of a pass over the images; each
    image's own means too for the layers in `per_image`."""
    sums: dict[str, Tensor] = {}
    kept: dict[str, list[Tensor]] = {name: [] for name in per_image}

    def watch(name: str):  # noqa: ANN202 - a forward hook
        def hook(_module: nn.Module, _inputs: object, output: Tensor) -> None:
            values = output.float().flatten(2).mean(2) if output.dim() > 2 else output.float()
            sums[name] = sums.get(name, 0) + values.sum(0).cpu()
            if name in kept:
                kept[name].append(values.cpu())

        return hook

    watched = list(dict.fromkeys([*layers, *per_image]))
    handles = [resolve_module(model.module, name).register_forward_hook(watch(name)) for name in watched]
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
    means = {name: total / len(images.pixels) for name, total in sums.items()}
    return Pass(predicted, means, {name: torch.cat(parts) for name, parts in kept.items()})


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
    arrays = curve_arrays(found.cpu().numpy().astype(np.float64))
    scores = unit_scores(arrays)
    return {**{key.name: scores[key.name] for key in TUNING_SCORES}, CURVE: arrays["orientation"]}


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson's r of two series, None where either is constant."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.std() == 0 or b.std() == 0:
        return None
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 5) for v in values]


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
        self._images_means: dict[str, Tensor] = {}  # (images, units) per layer, for the rebuilds compared

    def tuning(self, layer: LayerInfo) -> dict[str, np.ndarray]:
        """The layer's tuning scores without any edit (measured once)."""
        if layer.name not in self._tuning:
            self._tuning[layer.name] = layer_tuning(self.model, layer, self.device, self._stimuli)
        return self._tuning[layer.name]

    def run(self, experiment: Experiment, tune: bool = True, rule: Rows | None = None) -> ExperimentResult:
        """Measure the model with the edit in place against the baseline (`tune`: its orientation tuning too; `rule`:
        what a rebuild draws its weights from)."""
        if experiment.layer not in self.names:
            raise ValueError(f"{self.model.id} has no layer {experiment.layer!r}; layers: {', '.join(self.names)}")
        at = self.names.index(experiment.layer)
        layer, following = self.layers[at], (self.layers[at + 1] if at + 1 < len(self.layers) else None)
        if experiment.units[-1] >= layer.units:
            raise ValueError(f"{experiment.layer} has units 0–{layer.units - 1}; got {experiment.units[-1]}")
        rebuilt = self._fit(experiment, rule, at) if experiment.kind == REBUILD else None
        own = experiment.is_cut or rebuilt is not None  # the edit changes the units' own tuning
        watched = [experiment.layer] + ([following.name] if following else [])
        before = self.baseline
        with edited(self.model, experiment, before.means[experiment.layer], rebuilt):
            after = forward_pass(self.model, self.images, watched, self.device, [experiment.layer] if rebuilt else [])
            changed = _changed(before, after, following) if following else []
            tuned_layer = layer if own else following
            tuned_layer = tuned_layer if tune and tuned_layer is not None and tuned_layer.kind == "conv" else None
            tuned = list(experiment.units) if own else [row["unit"] for row in changed[:TUNED]]
            tuned_after = (
                layer_tuning(self.model, tuned_layer, self.device, self._stimuli) if tuned_layer and tuned else {}
            )
        tuned_before = self.tuning(tuned_layer) if tuned_layer and tuned else {}
        found = {
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
        if rebuilt is not None and rule is not None:
            found["rebuild"] = self._compared(experiment, rule, rebuilt, after, tuned_before, tuned_after)
        return found

    def _fit(self, experiment: Experiment, rule: Rows | None, at: int) -> dict[int, Fitted]:
        if rule is None:
            raise ValueError("a rebuild needs its rule: the previous layer's units it reads and their orientations")
        if at == 0:
            raise ValueError(f"{experiment.layer} is the first layer: there is no previous layer to rebuild it from")
        missing = [u for u in experiment.units if u not in rule.targets]
        if missing:
            raise ValueError(f"the rule gives no preferred orientation for units {missing} of {experiment.layer}")
        inputs = self.layers[at - 1].units
        return fit_rule(self.model, experiment, rule, self.images.pixels[::FIT_EVERY], inputs)

    def _compared(
        self,
        experiment: Experiment,
        rule: Rows,
        rebuilt: dict[int, Fitted],
        after: Pass,
        tuned_before: dict[str, np.ndarray],
        tuned_after: dict[str, np.ndarray],
    ) -> dict:
        """The rebuilt units against the real ones, and the network with the same units removed instead."""
        with edited(self.model, Experiment(ABLATE, experiment.layer, experiment.units)):
            removed = forward_pass(self.model, self.images, [], self.device)
        real = self._per_image(experiment.layer)
        module = resolve_module(self.model.module, experiment.layer)
        inputs = self.layers[self.names.index(experiment.layer) - 1].units
        sources = list(rule.sources)
        units = []
        for unit in experiment.units:
            tuning_r = (
                _correlation(tuned_before[CURVE][unit], tuned_after[CURVE][unit]) if CURVE in tuned_after else None
            )
            images_r = _correlation(real[:, unit].numpy(), after.per_image[experiment.layer][:, unit].numpy())
            fitted = rebuilt[unit]
            curves = (
                {"curve_real": _rounded(tuned_before[CURVE][unit]), "curve_rebuilt": _rounded(tuned_after[CURVE][unit])}
                if CURVE in tuned_after
                else {}
            )
            conv, channel = reading_conv(module, unit, inputs)
            weights_real = conv.weight[channel].detach().float().sum((1, 2))[sources].numpy()
            weights_rebuilt = fitted.kernel.float().sum((1, 2))[sources].numpy()
            units.append(
                {
                    "unit": unit,
                    **curves,
                    "images_r": images_r,
                    "tuning_r": tuning_r,
                    "fit_r": round(fitted.r, 4),
                    "scale": round(fitted.scale, 6),
                    "offset": round(fitted.offset, 6),
                    "weights_real": _rounded(weights_real),
                    "weights_rebuilt": _rounded(weights_rebuilt),
                    "weights_r": _correlation(weights_real, weights_rebuilt) if len(sources) > 1 else None,
                    **self._tops(real[:, unit], after.per_image[experiment.layer][:, unit]),
                }
            )
        return {
            "from": self.names[self.names.index(experiment.layer) - 1],
            "angles": list(ANGLES),
            "sources": {str(u): round(phi, 2) for u, phi in rule.sources.items()},
            "targets": {
                str(u): round(theta, 2) if theta is not None else None
                for u, theta in rule.targets.items()
                if u in experiment.units
            },
            "removed": {
                "accuracy": _accuracy(removed.predicted, self.images.classes),
                "classes": _per_class(self.model, self.images, self.baseline.predicted, removed.predicted),
            },
            "units": units,
        }

    def _tops(self, real: Tensor, rebuilt: Tensor) -> dict:
        """A rebuilt unit's TOP images (by mean activation) against the real unit's: how many they share, and the
        classes of each's (the evidence a student checks a picture against)."""
        count = min(TOP, len(real))
        real_top, rebuilt_top = (set(v.argsort(descending=True)[:count].tolist()) for v in (real, rebuilt))
        names = self.model.class_labels

        def classes(chosen: set[int]) -> dict[str, int]:
            found = Counter(names[c] if c >= 0 else "unlabelled" for c in self.images.classes[sorted(chosen)].tolist())
            return dict(found.most_common())

        return {
            "top_shared": len(real_top & rebuilt_top),
            "top_count": count,
            "top_classes_real": classes(real_top),
            "top_classes_rebuilt": classes(rebuilt_top),
        }

    def _per_image(self, layer: str) -> Tensor:
        """Each image's per-unit means of the layer without any edit (one more pass, kept)."""
        if layer not in self._images_means:
            self._images_means[layer] = forward_pass(self.model, self.images, [], self.device, [layer]).per_image[layer]
        return self._images_means[layer]


def _tuned(unit: int, before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> dict:
    """A unit's orientation and selectivity without and with the edit."""
    row: dict = {"unit": unit}
    for name in (score.name for score in TUNING_SCORES):
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
