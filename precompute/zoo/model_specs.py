"""Model specs: a TOML file that brings your own network into the microscope.

```toml
id = "googlenet-cifar10"            # letters, digits, . _ - (it appears in URLs and unit refs)
title = "GoogLeNet on CIFAR-10"
architecture = "googlenet"          # a torchvision builder name, or "package.module:callable"
weights = "weights/net.pt"          # state dict (or {"state_dict": ...}); relative to this file
labels = ["airplane", "automobile"] # or "labels.txt", one per line; default "class 0", "class 1", …
layers = ["conv1", "inception3a"]   # optional; default: auto_layers (see precompute.layers)
vis_size = 128                      # optional; default min(128, input size)
description = "…"                   # optional
warning = "…"                       # optional; shown on every page of the model
[kwargs]                            # optional, passed to the builder
num_classes = 10
[input]                             # the model takes (x*scale - mean) / std of RGB x in [0, 1]
size = 128
mean = [0.4914, 0.4822, 0.4465]
std = [0.2470, 0.2435, 0.2616]
scale = 1.0
```
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision import models as tvm

from ..layers import auto_layers, forward_order
from .download import read_state_dict, sha256_file, with_weights
from .types import InputSpec, LoadedModel

FIELDS = (
    "id",
    "title",
    "architecture",
    "weights",
    "labels",
    "layers",
    "vis_size",
    "description",
    "warning",
    "kwargs",
    "input",
)
INPUT_FIELDS = ("size", "mean", "std", "scale")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def load_spec(path: Path, weights: Path | None = None) -> LoadedModel:
    """The model a spec file describes; `weights` replaces its own weights file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model spec {str(path)!r} does not exist")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"model spec {str(path)!r} is not valid TOML: {exc}") from exc
    return _load(table, path.parent, weights)


def _load(table: dict[str, Any], here: Path, weights: Path | None) -> LoadedModel:
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown model spec field(s) {', '.join(unknown)}; valid: {', '.join(FIELDS)}")
    model_id = _text(table, "id")
    if not _ID.fullmatch(model_id):
        raise ValueError(f"spec field 'id' {model_id!r} may hold only letters, digits, '.', '_' and '-'")
    spec = _input(table.get("input"))
    builder = _builder(_text(table, "architecture"), here)
    kwargs = table.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise ValueError(f"spec field 'kwargs' must be a table, got {kwargs!r}")
    weights_path = weights or _weights(table, here)
    module = with_weights(lambda: _call(builder, kwargs), read_state_dict(weights_path), str(weights_path))
    module.eval()
    outputs: list[Any] = []  # the model's output, seen during forward_order's own pass
    handle = module.register_forward_hook(lambda _m, _i, out: outputs.append(out))
    try:
        layers = forward_order(module, _layers(table, module) or auto_layers(module), spec.size)
    except RuntimeError as exc:
        raise ValueError(f"spec field 'input': the model fails on a {spec.size}x{spec.size} input: {exc}") from exc
    finally:
        handle.remove()
    return LoadedModel(
        id=model_id,
        title=_text(table, "title", model_id),
        architecture=table["architecture"],
        module=module,
        input=spec,
        class_labels=_labels(table.get("labels"), here, _n_classes(outputs[0])),
        layers=layers,
        weights_hash=sha256_file(weights_path),
        vis_size=_positive_int(table, "vis_size", min(128, spec.size)),
        description=_text(table, "description", ""),
        warning=_text(table, "warning", ""),
    )


def _text(table: dict[str, Any], field: str, default: str | None = None) -> str:
    if field not in table and default is not None:
        return default
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"spec field {field!r} must be a non-empty string, got {value!r}")
    return value


def _positive_int(table: dict[str, Any], field: str, default: int) -> int:
    value = table.get(field, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"spec field {field!r} must be a positive integer, got {value!r}")
    return value


def _input(table: Any) -> InputSpec:
    if not isinstance(table, dict) or "size" not in table:
        raise ValueError("spec field 'input' must be a table with at least 'size' (e.g. [input] size = 224)")
    unknown = sorted(set(table) - set(INPUT_FIELDS))
    if unknown:
        raise ValueError(f"unknown spec field(s) input.{', input.'.join(unknown)}; valid: {', '.join(INPUT_FIELDS)}")
    try:
        return InputSpec(
            size=table["size"],
            mean=tuple(table.get("mean", (0.0, 0.0, 0.0))),
            std=tuple(table.get("std", (1.0, 1.0, 1.0))),
            scale=float(table.get("scale", 1.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"spec field 'input' is invalid: {exc}") from exc


def _builder(architecture: str, here: Path) -> Callable[..., Any]:
    if ":" not in architecture:
        names = tvm.list_models()
        if architecture not in names:
            close = difflib.get_close_matches(architecture, names, n=5)
            raise ValueError(
                f"spec field 'architecture' {architecture!r} is neither a torchvision builder "
                f"(close: {', '.join(close) or 'none'}; all: torchvision.models.list_models()) "
                "nor 'package.module:callable'"
            )
        return lambda **kwargs: tvm.get_model(architecture, weights=None, **kwargs)
    module_name, _, attr = architecture.partition(":")
    try:
        target: Any = _import(module_name, here)
        for part in attr.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"spec field 'architecture' {architecture!r} cannot be imported: {exc}") from exc
    if not callable(target):
        raise ValueError(f"spec field 'architecture' {architecture!r} is not callable")
    return target


def _import(module_name: str, here: Path) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError:
        sys.path.insert(0, str(here))  # a module file beside the spec
        try:
            return importlib.import_module(module_name)
        finally:
            sys.path.remove(str(here))


def _call(builder: Callable[..., Any], kwargs: dict[str, Any]) -> nn.Module:
    try:
        module = builder(**kwargs)
    except TypeError as exc:
        raise ValueError(f"spec field 'kwargs' does not fit the architecture: {exc}") from exc
    if not isinstance(module, nn.Module):
        raise ValueError(f"spec field 'architecture' returned {type(module).__name__}, not a torch nn.Module")
    return module


def _weights(table: dict[str, Any], here: Path) -> Path:
    if "weights" not in table:
        raise ValueError("spec field 'weights' is missing: name the weights file, or pass --weights FILE")
    path = (here / _text(table, "weights")).resolve()
    if not path.is_file():
        raise ValueError(f"spec field 'weights': file {str(path)!r} does not exist")
    return path


def _layers(table: dict[str, Any], module: nn.Module) -> list[str] | None:
    layers = table.get("layers")
    if layers is None:
        return None
    if not isinstance(layers, list) or not layers or not all(isinstance(x, str) for x in layers):
        raise ValueError(f"spec field 'layers' must be a non-empty list of module names, got {layers!r}")
    names = {name for name, _ in module.named_modules() if name}
    missing = [name for name in layers if name not in names]
    if missing:
        raise ValueError(f"spec field 'layers' names modules the model lacks: {', '.join(missing)}")
    return layers


def _n_classes(out: Any) -> int | None:
    return out.shape[1] if isinstance(out, torch.Tensor) and out.dim() == 2 else None


def _labels(value: Any, here: Path, outputs: int | None) -> list[str]:
    if value is None:
        if outputs is None:
            raise ValueError("spec field 'labels' is needed: the model's output is not a (batch, classes) tensor")
        return [f"class {i}" for i in range(outputs)]
    if isinstance(value, str):
        path = here / value
        if not path.is_file():
            raise ValueError(f"spec field 'labels': file {str(path)!r} does not exist")
        value = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"spec field 'labels' must be a list of strings or a file name, got {value!r}")
    if outputs is not None and len(value) != outputs:
        raise ValueError(f"spec field 'labels' has {len(value)} labels but the model outputs {outputs} classes")
    return value
