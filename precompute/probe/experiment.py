"""Experiments run live by the worker: the same measurements as the precomputed ones (precompute.experiments), on the
model's dataset images as its store records them, with each answer kept by its spec (and rule) for the next asker.

A model's `Lab` (its images loaded and measured once without any edit) is built on its first experiment. A rebuild
draws its rule's inputs from the store (the previous layer's curve family and the units' stored orientations,
precompute.experiments_stage.curve_rule), so experiments need the worker started with the store; or it takes each
unit's weights whole from a tensor file (.npy, `Weights`), kept by its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from precompute.edits import TensorRows
from precompute.experiments import CURVES, ORIENTED_FAMILIES, Lab, load_images
from precompute.experiments_stage import curve_rule
from precompute.images import scan_images
from precompute.layers import LayerInfo, probe_layers
from precompute.zoo.types import LoadedModel
from store.experiments import REBUILD, Experiment, ExperimentResult
from store.location import StoreLocation
from store.reader import StoreReader
from store.rules import CURVE_RULE, Rule

LIVE = "live"  # a result's `origin` when a worker ran it (store.experiments.PRECOMPUTED otherwise)
KEPT = 32  # answers kept per worker, newest first out last
NO_STORE = (
    "this worker was started without a store, and experiments need one (its dataset images and orientations): "
    "start it with `microscope probe-worker --model {model} --store STORE`"
)


class ExperimentRefused(ValueError):
    """An experiment the worker will not run as asked, with the reason (the caller answers 4xx)."""


@dataclass(frozen=True)
class Weights:
    """A rebuild's weights given whole: a .npy file's array, (units, inputs) for each unit's kernel centre or
    (units, inputs, kh, kw), one row per rebuilt unit in the spec's order; kept by its SHA-256."""

    array: np.ndarray
    sha256: str

    @classmethod
    def read(cls, body: bytes) -> Weights:
        """The array a .npy file holds; ExperimentRefused when it is not one of finite numbers of 2 or 4 axes."""
        try:
            array = np.load(io.BytesIO(body), allow_pickle=False)
        except (ValueError, OSError, EOFError) as error:
            raise ExperimentRefused(f"not a .npy file of numbers: {error}") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "fiu" or array.ndim not in (2, 4):
            raise ExperimentRefused(
                "the tensor must be numbers of shape (units, inputs) or (units, inputs, kh, kw), "
                f"got {getattr(array, 'dtype', '?')} of shape {getattr(array, 'shape', '?')}"
            )
        if not np.isfinite(array).all():
            raise ExperimentRefused("the tensor holds numbers that are not finite (nan or inf)")
        return cls(array.astype(np.float32), hashlib.sha256(body).hexdigest())

    def rows(self, experiment: Experiment) -> TensorRows:
        """One row per unit of the spec, in its order; ExperimentRefused when the counts differ."""
        if self.array.shape[0] != len(experiment.units):
            raise ExperimentRefused(
                f"the tensor has {self.array.shape[0]} rows; the spec rebuilds {len(experiment.units)} units "
                f"({', '.join(map(str, experiment.units[:12]))}{'…' if len(experiment.units) > 12 else ''})"
            )
        return TensorRows({u: torch.from_numpy(self.array[i]) for i, u in enumerate(experiment.units)})


@dataclass
class Experimenter:
    """Live experiments on the worker's models, measured against their stores' images, answers kept by spec."""

    models: dict[str, LoadedModel]
    store: StoreLocation | None
    device: str = "cpu"
    kept: int = KEPT
    _labs: dict[str, Lab] = field(default_factory=dict)
    _answers: OrderedDict[tuple[str, str, str | None], ExperimentResult] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(
        self, model: str, experiment: Experiment, rule: Rule | None, weights: Weights | None = None
    ) -> ExperimentResult | None:
        """The kept answer to this experiment, if any (cheap: callers ask before queueing)."""
        key = _key(model, experiment, rule, weights)
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def run(
        self, model: LoadedModel, experiment: Experiment, rule: Rule | None, weights: Weights | None = None
    ) -> ExperimentResult:
        """Measure the experiment (its kept answer when there is one); ExperimentRefused when it cannot be run."""
        found = self.cached(model.id, experiment, rule, weights)
        if found is not None:
            return found
        if (rule is not None or weights is not None) and experiment.kind != REBUILD:
            raise ExperimentRefused(f"a rule or a tensor applies to rebuilds only, not to {experiment.kind}")
        if rule is not None and weights is not None:
            raise ExperimentRefused("give a rebuild a rule or a tensor, not both")
        if self.store is None:
            raise ExperimentRefused(NO_STORE.format(model=model.id))
        reader = StoreReader(self.store)
        try:
            lab = self._lab(model, reader)
            layer = _layer(lab.layers, experiment)
            families = _families(reader, model.id, experiment)
            built = None
            if weights is not None:
                built = weights.rows(experiment)
            elif experiment.kind == REBUILD:
                built = curve_rule(reader, model, lab.layers, experiment, rule or CURVE_RULE)
        except ValueError as error:
            raise ExperimentRefused(str(error)) from None
        finally:
            reader.engine.dispose()
        tune = layer.kind == "conv" or any(f in ORIENTED_FAMILIES for f in families)
        try:
            result = lab.run(experiment, tune, built)
        except ValueError as error:  # store.rules.RuleError among them: the rule fails at the units' orientations
            raise ExperimentRefused(str(error)) from None
        result = {
            **result,
            "family": families[0] if families else None,
            "families": families,
            "origin": LIVE,
            **({"rule": rule.text} if rule is not None else {}),
            **({"tensor": {"sha256": weights.sha256, "shape": list(weights.array.shape)}} if weights else {}),
        }
        with self._lock:
            self._answers[_key(model.id, experiment, rule, weights)] = result
            while len(self._answers) > self.kept:
                self._answers.popitem(last=False)
        return result

    def _lab(self, model: LoadedModel, reader: StoreReader) -> Lab:
        if model.id not in self._labs:
            self._labs[model.id] = Lab(
                model, load_images(model, _images(model, reader)), probe_layers(model), self.device
            )
        return self._labs[model.id]


def _key(model: str, experiment: Experiment, rule: Rule | None, weights: Weights | None) -> tuple[str, str, str | None]:
    """What an answer is kept by: the model, the canonical spec, and what a rebuild drew from (None: the default)."""
    if weights is not None:
        return (model, str(experiment), f"tensor:{weights.sha256}")
    return (model, str(experiment), f"rule:{rule.text}" if rule is not None and not rule.is_default else None)


def _layer(layers: list[LayerInfo], experiment: Experiment) -> LayerInfo:
    for layer in layers:
        if layer.name == experiment.layer:
            if experiment.units[-1] >= layer.units:
                raise ValueError(f"{layer.name} has units 0–{layer.units - 1}; got {experiment.units[-1]}")
            return layer
    raise ValueError(f"no layer {experiment.layer!r}; layers: {', '.join(layer.name for layer in layers)}")


def _images(model: LoadedModel, reader: StoreReader) -> list:
    """The model's dataset images labelled with its classes, from the folder its store records."""
    view = reader.model(model.id)
    if view is None or not view.images_root:
        raise ValueError(f"the store records no dataset folder for {model.id}: precompute it with --images DIR")
    root = Path(view.images_root)
    if not root.is_dir():
        raise ValueError(f"{model.id}'s dataset folder {root} is not here: the worker measures on its images")
    labelled = [image for image in scan_images(root) if image.label in set(model.class_labels)]
    if not labelled:
        raise ValueError(f"no image of {root} is labelled with one of {model.id}'s classes (subfolders by class)")
    return labelled


def _families(reader: StoreReader, model: str, experiment: Experiment) -> list[str]:
    """The families a result is read against: a rebuild's curves; else those of a stored experiment editing the same
    units of the same layer (a family's removal, asked live with another kind)."""
    if experiment.kind == REBUILD:
        return [CURVES]
    for stored in reader.experiments(model) or []:
        if stored["layer"] == experiment.layer and tuple(stored["units"]) == experiment.units:
            return list(stored.get("families") or [])
    return []
