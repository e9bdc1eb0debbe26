"""Capture (or replace) the outputs of named modules during one forward pass, stopping after the last one."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress

import torch
from torch import Tensor, nn


class StopForward(Exception):
    """Raised inside a hook once every requested layer has fired, so no work is done past the deepest one."""


class LayerTap:
    """Hooks registered once on a model; `run(x)` returns the requested layers' outputs.

    `replace` maps a layer to a function of its real output whose result is used downstream instead
    (expanded weights feed a leaf tensor in at the source layer this way).
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str],
        *,
        stop: bool = True,
        replace: dict[str, Callable[[Tensor], Tensor]] | None = None,
    ) -> None:
        self.model = model
        self.layers = list(dict.fromkeys(layers))
        self.stop = stop
        self.replace = replace or {}
        self._captured: dict[str, Tensor] = {}
        self._handles = [self._hook(name) for name in dict.fromkeys([*self.layers, *self.replace])]

    def _hook(self, name: str) -> torch.utils.hooks.RemovableHandle:
        module = resolve_module(self.model, name)

        def hook(_module: nn.Module, _inputs: object, output: Tensor) -> Tensor | None:
            if name in self._captured:  # a module called twice: keep its first call
                return None
            if name in self.replace:
                output = self.replace[name](output)
            if name in self.layers:
                self._captured[name] = output
            if self.stop and len(self._captured) == len(self.layers):
                raise StopForward
            return output if name in self.replace else None

        return module.register_forward_hook(hook)

    def run(self, x: Tensor) -> dict[str, Tensor]:
        """Run the model on `x` and return {layer: output} for every requested layer."""
        self._captured = {}
        with suppress(StopForward):
            self.model(x)
        missing = [name for name in self.layers if name not in self._captured]
        if missing:
            raise RuntimeError(f"layers never ran in the forward pass: {', '.join(missing)}")
        captured, self._captured = self._captured, {}
        return captured

    def close(self) -> None:
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> LayerTap:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def resolve_module(model: nn.Module, name: str) -> nn.Module:
    """The submodule at a `named_modules()` path; KeyError naming close matches otherwise."""
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        close = [n for n in names if n.startswith(name.split(".")[0])][:20] or names[:20]
        raise KeyError(f"model has no module {name!r}; some that exist: {', '.join(close)}") from None


@contextmanager
def tapped(model: nn.Module, layers: Sequence[str], **kwargs: object) -> Iterator[LayerTap]:
    """`with tapped(model, layers) as tap: acts = tap.run(x)`."""
    tap = LayerTap(model, layers, **kwargs)  # type: ignore[arg-type]
    try:
        yield tap
    finally:
        tap.close()
