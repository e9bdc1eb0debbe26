"""Preparing a model for rendering: BatchNorm folded exactly, names kept, the original untouched."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from precompute.hooks import LayerTap
from precompute.optvis import prepare_for_render
from precompute.optvis.prepare import conv_bn_pairs

EXAMPLE = torch.zeros(1, 3, 8, 8)


class ConvBnNet(nn.Module):
    """conv→bn→relu twice; the second conv's output also feeds a skip connection (so it cannot be folded)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6)
        self.conv2, self.bn2 = nn.Conv2d(6, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        y = self.conv2(x)
        return self.relu(self.bn2(y)) + y


class Branchy(nn.Module):
    """Data-dependent control flow and a functional read of a conv output."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)

    def forward(self, x: Tensor) -> Tensor:
        x = self.bn1(self.conv1(x)) if x.sum() > 0 else self.conv1(x)
        y = self.conv2(x)
        return self.bn2(y) * torch.sigmoid(y)


def _trained_stats(model: nn.Module) -> nn.Module:
    """Give every BatchNorm non-trivial running statistics and affine parameters, then eval mode."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(0.5, 2)
                nn.init.uniform_(module.weight, 0.5, 1.5)
                nn.init.uniform_(module.bias, -0.5, 0.5)
    return model.eval()


def test_folded_copy_computes_the_same_outputs_at_every_kept_name() -> None:
    model = _trained_stats(ConvBnNet())
    prepared, folded = prepare_for_render(model, "cpu", EXAMPLE)
    assert folded == ["conv1"]  # conv2's output is read twice
    assert isinstance(prepared.bn1, nn.Identity) and isinstance(prepared.bn2, nn.BatchNorm2d)
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad(), LayerTap(model, ["bn1", "conv2"]) as tap, LayerTap(prepared, ["bn1", "conv2"]) as mine:
        want, got = tap.run(x), mine.run(x)
    with torch.no_grad():
        assert torch.allclose(model(x), prepared(x), atol=1e-5)
    for name in want:
        assert torch.allclose(want[name], got[name], atol=1e-5), name


def test_kept_convolutions_are_not_folded() -> None:
    model = _trained_stats(ConvBnNet())
    prepared, folded = prepare_for_render(model, "cpu", EXAMPLE, layers=["conv1"])
    assert folded == [] and isinstance(prepared.bn1, nn.BatchNorm2d)


def test_the_original_model_is_untouched_and_the_copy_frozen() -> None:
    model = _trained_stats(ConvBnNet())
    before = {name: value.clone() for name, value in model.state_dict().items()}
    prepared, _ = prepare_for_render(model, "cpu", EXAMPLE)
    assert isinstance(model.bn1, nn.BatchNorm2d)
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())
    assert not any(p.requires_grad for p in prepared.parameters())


def test_a_training_mode_model_is_prepared_in_eval_mode_without_changing_it() -> None:
    model = _trained_stats(ConvBnNet()).train()
    prepared, folded = prepare_for_render(model, "cpu", EXAMPLE)
    assert model.training and not prepared.training and folded == ["conv1"]


def test_control_flow_is_followed_and_functional_reads_prevent_folding() -> None:
    model = _trained_stats(Branchy())
    assert conv_bn_pairs(model, torch.ones(1, 3, 4, 4)) == [("conv1", "bn1")]
    assert conv_bn_pairs(model, -torch.ones(1, 3, 4, 4)) == []  # bn1 not run; conv2 also feeds sigmoid
    prepared, folded = prepare_for_render(model, "cpu", torch.ones(1, 3, 4, 4))
    x = torch.rand(2, 3, 4, 4)
    with torch.no_grad():
        assert folded == ["conv1"] and torch.allclose(model(x), prepared(x), atol=1e-5)


def test_channels_last_copy_gives_the_same_outputs() -> None:
    model = _trained_stats(ConvBnNet())
    prepared, _ = prepare_for_render(model, "cpu", EXAMPLE, channels_last=True)
    assert prepared.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.allclose(model(x), prepared(x), atol=1e-5)


def test_reads_past_the_deepest_layer_do_not_prevent_folding() -> None:
    model = _trained_stats(ConvBnNet())
    # conv2's output is read twice, but only after bn2, past the layers rendered.
    assert conv_bn_pairs(model, EXAMPLE, upto=["bn2"]) == [("conv1", "bn1"), ("conv2", "bn2")]
    prepared, folded = prepare_for_render(model, "cpu", EXAMPLE, layers=["bn2"])
    assert folded == ["conv1", "conv2"]
    with torch.no_grad(), LayerTap(model, ["bn2"]) as tap, LayerTap(prepared, ["bn2"]) as mine:
        assert torch.allclose(tap.run(EXAMPLE + 1)["bn2"], mine.run(EXAMPLE + 1)["bn2"], atol=1e-5)


class DenseBlock(nn.Module):
    """A conv output read by its BatchNorm and, inside a list, by torch.cat (as DenseNet does)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv(x)
        return torch.cat([self.bn(y), y], dim=1)


def test_a_conv_output_also_read_inside_a_list_is_not_folded() -> None:
    model = _trained_stats(DenseBlock())
    assert conv_bn_pairs(model, EXAMPLE) == []
    prepared, folded = prepare_for_render(model, "cpu", EXAMPLE)
    x = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        assert folded == [] and torch.allclose(model(x), prepared(x), atol=1e-5)
