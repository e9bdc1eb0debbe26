"""The model zoo: registered models by id, and `load_model` for an id or a model spec."""

from __future__ import annotations

from pathlib import Path

from . import cifar_resnet, demo_net, demo_vgg, inceptionv1, torchvision_models
from .download import DownloadUnavailable, WeightsUnavailable
from .labels import read_labels
from .model_specs import load_spec
from .types import InputSpec, LoadedModel, ModelEntry

__all__ = [
    "DownloadUnavailable",
    "InputSpec",
    "LoadedModel",
    "ModelEntry",
    "WeightsUnavailable",
    "get_model",
    "list_models",
    "load_model",
    "register_model",
]

_REGISTRY: dict[str, ModelEntry] = {}


def register_model(entry: ModelEntry) -> ModelEntry:
    """Add an entry to the zoo; ValueError if its id is taken."""
    if entry.id in _REGISTRY:
        raise ValueError(f"model id {entry.id!r} is already registered")
    _REGISTRY[entry.id] = entry
    return entry


def list_models() -> list[ModelEntry]:
    """Every registered entry, in registration order."""
    return list(_REGISTRY.values())


def get_model(model_id: str) -> ModelEntry:
    """The entry with this id; KeyError listing the valid ids otherwise."""
    try:
        return _REGISTRY[model_id]
    except KeyError:
        raise KeyError(f"unknown model {model_id!r}; valid ids: {', '.join(_REGISTRY)}") from None


def load_model(spec: str, weights: Path | str | None = None, labels: Path | str | None = None) -> LoadedModel:
    """Load a zoo id or a `.toml` model spec; `weights` and `labels` (one class name a line) replace its own files."""
    weights_path = Path(weights).expanduser() if weights else None
    if str(spec).endswith(".toml"):
        model = load_spec(Path(spec), weights_path)
    else:
        entry = get_model(spec)
        model = entry.build(weights_path)
        if entry.description not in model.description:  # the entry says what the network is, the build which weights
            model.description = f"{entry.description} ({model.description})" if model.description else entry.description
        if labels is None and entry.labels is not None:
            model.class_labels = entry.labels(len(model.class_labels))
    if labels is not None:
        model.class_labels = read_labels(Path(labels).expanduser(), len(model.class_labels))
    return model


for _entry in [*cifar_resnet.ENTRIES, *torchvision_models.ENTRIES, demo_net.ENTRY, demo_vgg.ENTRY, inceptionv1.ENTRY]:
    register_model(_entry)
