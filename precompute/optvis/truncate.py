"""A model cut after the layers an objective reads: one traced graph that returns their outputs or pre-activations.

The render loop runs the network forward and backward hundreds of times but needs only the layers its objective
reads. Tracing the model once with `torch.fx` gives its data flow as a graph, which is then

- **cut**: the graph's output becomes the tensors asked for, so everything after the deepest is dropped as dead
  code (no exception raised from a hook, so `torch.compile` and CUDA graphs can capture the whole forward);
- **read before the ReLU**: a layer whose output is `relu(x)`, or a concatenation of such (an Inception block), has
  the pre-activation `x` (the concatenation of the branches' `x`): Lucid's `mixed4a_pre_relu`. Minimizing it can go
  below zero, and maximizing it still has a gradient where the unit is off. Each pre-activation is checked once on
  an example input: `relu(pre) == output`, else the layer is read at its output;
- **redirected**: every ReLU is a plain, out-of-place `torch.relu` (an in-place ReLU would overwrite the
  pre-activation), or, in a second graph for the first steps of a render, Lucid's redirected ReLU.

A model `torch.fx` cannot trace (Python control flow on tensor values) gets `None` from `trace_layers`; the render
loop then falls back to forward hooks and reads outputs only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

from precompute.optvis.redirect import redirected_relu_fn, redirected_relu_static

Tensors = Literal["output", "pre_relu"]
OUTPUT: Tensors = "output"
PRE_RELU: Tensors = "pre_relu"

# Functions with shape-dependent Python branches inside: traced as one opaque call each.
_OPAQUE = (F.local_response_norm,)
_RELU_FUNCTIONS = {F.relu, torch.relu, torch.relu_, torch.nn.functional.relu}
_RELU_METHODS = {"relu", "relu_"}


class _LayerTracer(fx.Tracer):
    """A tracer that remembers the graph node each named layer's (first) call returned."""

    def __init__(self, layers: Sequence[str]) -> None:
        super().__init__(autowrap_functions=_OPAQUE)
        self.wanted = set(layers)
        self.found: dict[str, fx.Node] = {}

    def call_module(self, m: nn.Module, forward: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        out = super().call_module(m, forward, args, kwargs)
        path = self.path_of_module(m)
        if path in self.wanted and path not in self.found and isinstance(out, fx.Proxy):
            self.found[path] = out.node
        return out


@dataclass
class TracedLayers:
    """The traced model and, per layer, its output node and (where it has one) its pre-activation node."""

    root: nn.Module
    graph: fx.Graph
    outputs: dict[str, fx.Node]
    pre_relu: dict[str, fx.Node]

    def reads(self, layer: str, wanted: Tensors) -> Tensors:
        """What reading `layer` as `wanted` actually reads: its pre-activation only where it has a checked one."""
        return PRE_RELU if wanted == PRE_RELU and layer in self.pre_relu else OUTPUT

    def forward(
        self, entries: Sequence[tuple[str, Tensors]], *, redirect: bool = False, compilable: bool = False
    ) -> fx.GraphModule:
        """A module computing only `entries` ((layer, output|pre_relu) pairs), returned as a tuple in that order.

        `redirect` puts Lucid's redirected ReLU in place of every ReLU; `compilable`, its branch-free form.
        """
        relu = redirected_relu_static if compilable else redirected_relu_fn
        graph = fx.Graph()
        env: dict[fx.Node, fx.Node] = {}
        for node in self.graph.nodes:
            if node.op != "output":
                env[node] = graph.node_copy(node, lambda n: env[n])
                if redirect and _is_relu(node, self.root):
                    env[node] = _replace_call(graph, env[node], relu)
        picked = [env[(self.pre_relu if tensor == PRE_RELU else self.outputs)[layer]] for layer, tensor in entries]
        graph.output(tuple(picked))
        module = fx.GraphModule(self.root, graph)
        module.graph.eliminate_dead_code()
        module.recompile()
        return module


def trace_layers(model: nn.Module, layers: Sequence[str], example: Tensor) -> TracedLayers | None:
    """Trace `model` (eval, frozen) and find each layer's output and pre-activation; None if it cannot be traced.

    `example` is an input the model accepts; it checks each pre-activation numerically.
    """
    tracer = _LayerTracer(layers)
    try:
        graph = tracer.trace(model)
    except Exception:  # noqa: BLE001 - any tracing failure means: use forward hooks instead
        return None
    if set(tracer.found) != set(layers):
        return None
    replaced = _plain_relus(graph, model)
    outputs = {layer: replaced.get(node, node) for layer, node in tracer.found.items()}
    pre = {}
    for layer, node in outputs.items():
        before = _pre_activation(graph, node)
        if before is not None:
            pre[layer] = before
    traced = TracedLayers(model, graph, outputs, pre)
    _keep_exact(traced, example)
    return traced


def _keep_exact(traced: TracedLayers, example: Tensor) -> None:
    """Forget every pre-activation whose ReLU does not give back the layer's output exactly on `example`."""
    entries = [(layer, tensor) for layer in traced.pre_relu for tensor in (OUTPUT, PRE_RELU)]
    if not entries:
        return
    with torch.no_grad():
        values = traced.forward(entries)(example)
    for i in range(0, len(entries), 2):
        out, pre = values[i], values[i + 1]
        if out.shape != pre.shape or not torch.equal(torch.relu(pre), out):
            del traced.pre_relu[entries[i][0]]


def _is_relu(node: fx.Node, root: nn.Module) -> bool:
    if node.op == "call_module":
        return isinstance(root.get_submodule(str(node.target)), nn.ReLU)
    if node.op == "call_function":
        return node.target in _RELU_FUNCTIONS
    return node.op == "call_method" and node.target in _RELU_METHODS


def _replace_call(graph: fx.Graph, node: fx.Node, fn: Callable[[Tensor], Tensor]) -> fx.Node:
    """Replace a ReLU node by `fn(its input)`, out of place."""
    with graph.inserting_after(node):
        new = graph.call_function(fn, (node.args[0],))
    node.replace_all_uses_with(new)
    graph.erase_node(node)
    return new


def _plain_relus(graph: fx.Graph, root: nn.Module) -> dict[fx.Node, fx.Node]:
    """Every ReLU as an out-of-place `torch.relu`, so the tensor it reads (a pre-activation) is never overwritten.

    Returns {old node: its replacement}.
    """
    return {node: _replace_call(graph, node, torch.relu) for node in list(graph.nodes) if _is_relu(node, root)}


def _pre_activation(graph: fx.Graph, node: fx.Node) -> fx.Node | None:
    """The node holding `node`'s value before its last ReLU(s), added to the graph if it is a concatenation."""
    if node.op == "call_function" and node.target is torch.relu:
        return node.args[0] if isinstance(node.args[0], fx.Node) else None
    if node.op == "call_function" and node.target is torch.cat and _cat_dim(node) == 1:
        parts = [_pre_activation(graph, part) for part in node.args[0]]
        if not parts or any(part is None for part in parts):
            return None
        with graph.inserting_after(node):
            return graph.call_function(torch.cat, (parts,), {"dim": 1})
    return None


def _cat_dim(node: fx.Node) -> int | None:
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    return dim if isinstance(dim, int) else None
