"""Traced, cut forward passes: outputs as the model computes them, pre-activations where a layer has one."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

from precompute.optvis.prepare import prepare_for_render
from precompute.optvis.truncate import OUTPUT, PRE_RELU, trace_layers
from precompute.zoo import load_model


class Branches(nn.Module):
    """Two conv branches, each ending in a functional in-place ReLU (torchvision's style), concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([F.relu(self.a(x), inplace=True), F.relu(self.b(x), inplace=True)], 1)


class Net(nn.Module):
    """A block of branches, a pooled head, and a layer after it that would fail if it ran."""

    def __init__(self) -> None:
        super().__init__()
        self.block = Branches()
        self.pool = nn.MaxPool2d(2)
        self.conv = nn.Conv2d(6, 5, 3, padding=1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x: Tensor) -> Tensor:
        x = self.pool(self.block(x))
        x = self.conv(x)  # no ReLU: its output is its own pre-activation, none to read
        return self.fc(x.mean((2, 3)))


@pytest.fixture
def net() -> Net:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return Net().eval().requires_grad_(False)


def _image(seed: int = 1) -> Tensor:
    return torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


def test_outputs_equal_the_models_own_and_in_place_relus_keep_the_pre_activation(net: Net) -> None:
    traced = trace_layers(net, ["block", "conv"], _image())
    assert traced is not None
    x = _image(2)
    out, pre = traced.forward([("block", OUTPUT), ("block", PRE_RELU)])(x)
    expected = net.block(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(pre, torch.cat([net.block.a(x), net.block.b(x)], 1))
    assert (pre < 0).any() and torch.equal(torch.relu(pre), out)


def test_a_layer_without_a_final_relu_is_read_at_its_output(net: Net) -> None:
    traced = trace_layers(net, ["block", "conv"], _image())
    assert traced is not None
    assert traced.reads("block", PRE_RELU) == PRE_RELU
    assert traced.reads("conv", PRE_RELU) == OUTPUT
    assert traced.reads("block", OUTPUT) == OUTPUT


def test_the_graph_stops_after_the_deepest_layer_read(net: Net) -> None:
    traced = trace_layers(net, ["block", "conv"], _image())
    assert traced is not None
    graph = traced.forward([("block", PRE_RELU)])
    called = {str(node.target) for node in graph.graph.nodes if node.op == "call_module"}
    assert called == {"block.a", "block.b"}


def test_an_untraceable_model_gives_none(gated_net: nn.Module) -> None:
    assert trace_layers(gated_net, ["relu"], _image()) is None


def test_redirected_graph_sends_gradient_through_relus_that_block_everything(net: Net) -> None:
    traced = trace_layers(net, ["conv"], _image())
    assert traced is not None
    with torch.no_grad():
        net.block.a.bias.fill_(-100.0)  # both branches off on any input: a plain ReLU passes no gradient
        net.block.b.bias.fill_(-100.0)
    x = _image(3).requires_grad_(True)
    gradients = {}
    for redirect in (False, True):
        (value,) = traced.forward([("conv", OUTPUT)], redirect=redirect)(x)
        (gradients[redirect],) = torch.autograd.grad(value[:, 0].sum(), x)
    assert bool((gradients[False] == 0).all()) and bool(gradients[True].abs().sum() > 0)
    with torch.no_grad():
        plain, redirected = (traced.forward([("conv", OUTPUT)], redirect=r)(x)[0] for r in (False, True))
    torch.testing.assert_close(redirected, plain)  # the same forward


def test_demo_mixed_layers_have_a_pre_activation_whose_relu_is_the_output() -> None:
    model = load_model("demo-inception")
    example = model.input.normalize(torch.full((1, 3, 64, 64), 0.5))
    prepared, _ = prepare_for_render(model.module, "cpu", example, layers=model.layers, channels_last=True)
    traced = trace_layers(prepared, model.layers, example)
    assert traced is not None
    assert [layer for layer in model.layers if traced.reads(layer, PRE_RELU) == PRE_RELU] == model.layers[:-1]
    x = model.input.normalize(torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
    out, pre = traced.forward([("mixed4b", OUTPUT), ("mixed4b", PRE_RELU)])(x)
    with torch.no_grad():
        torch.testing.assert_close(out, model.module.mixed4b(model.module.mixed4a(_upto_mixed4a(model.module, x))))
    assert torch.equal(torch.relu(pre), out) and (pre < 0).any()


def _upto_mixed4a(net: nn.Module, x: Tensor) -> Tensor:
    x = net.maxpool0(net.conv2d0(x))
    x = net.maxpool1(net.conv2d2(net.conv2d1(x)))
    return net.maxpool4(net.mixed3b(net.mixed3a(x)))


def test_traced_graphs_are_plain_fx_modules(net: Net) -> None:
    traced = trace_layers(net, ["block"], _image())
    assert traced is not None
    assert isinstance(traced.forward([("block", OUTPUT)]), fx.GraphModule)
