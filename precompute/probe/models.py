"""The networks a probe worker serves: `--model SPEC[=WEIGHTS]`, loaded once at start, checked against the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.location import StoreLocation
from store.reader import StoreReader

from ..zoo import load_model
from ..zoo.types import LoadedModel

SPEC_HELP = (
    "a zoo id (demo-inception) or a model spec (examples/models/x.toml), optionally =WEIGHTS for a weights file "
    "(demo-inception=var/my-weights.pt); the same the store was precomputed with"
)


@dataclass(frozen=True)
class ModelSpec:
    """What `--model` names: a zoo id or a model spec, and the weights file replacing its own."""

    spec: str
    weights: Path | None = None

    @classmethod
    def parse(cls, text: str) -> ModelSpec:
        """`demo-inception`, `models/x.toml`, `cifar-resnet20=weights.pt`."""
        spec, _, weights = text.strip().partition("=")
        if not spec:
            raise ValueError(f"--model {text!r}: expected {SPEC_HELP}")
        return cls(spec, Path(weights) if weights else None)


def load_models(
    specs: Sequence[ModelSpec], loader: Callable[[str, Path | None], LoadedModel] | None = None
) -> dict[str, LoadedModel]:
    """Every model by its id; ValueError when two specs load the same id or none is given."""
    if not specs:
        raise ValueError(f"no model to probe: pass --model, {SPEC_HELP}")
    load = loader or (lambda spec, weights: load_model(spec, weights))
    models: dict[str, LoadedModel] = {}
    for spec in specs:
        model = load(spec.spec, spec.weights)
        if model.id in models:
            raise ValueError(f"--model {spec.spec}: model id {model.id!r} is given twice")
        models[model.id] = model
    return models


def check_against_store(models: dict[str, LoadedModel], location: StoreLocation) -> list[str]:
    """Warnings for models the store lacks; ValueError when a stored model was precomputed with other weights.

    A probe with other weights than the store's would link its units to pages about different features.
    """
    reader = StoreReader(location)
    try:
        stored = {m.id: m for m in reader.models()}
    finally:
        reader.engine.dispose()
    warnings = []
    for model in models.values():
        record = stored.get(model.id)
        if record is None:
            warnings.append(f"model {model.id!r} is not in the store; its probes link to no unit pages")
        elif record.weights_hash and model.weights_hash != record.weights_hash:
            raise ValueError(
                f"model {model.id!r}: the store was precomputed with weights {record.weights_hash[:12]}…, "
                f"these are {model.weights_hash[:12] or 'random'}…; pass the same weights (--model {model.id}=FILE)"
            )
    return warnings
