"""Connections: conv weights between adjacent layers, expanded weights across blocks, ranked edges."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from precompute.connections import edge_records, expanded_weights
from precompute.layers import probe_layers
from precompute.zoo import InputSpec, LoadedModel


class Residual(nn.Module):
    """x → relu(conv_b(relu(conv_a(x))) + x)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_a = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.conv_b = nn.Conv2d(channels, channels, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv_b(F.relu(self.conv_a(x))) + x)


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.block = Residual(5)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block(self.relu2(self.conv2(self.relu1(self.conv1(x)))))
        return self.fc(self.pool(x).flatten(1))


def _tiny_model() -> LoadedModel:
    torch.manual_seed(0)
    return LoadedModel(
        id="tiny",
        title="Tiny",
        architecture="test",
        module=Tiny(),
        input=InputSpec(size=16),
        class_labels=["a", "b", "c"],
        layers=["relu1", "relu2", "block", "fc"],
        weights_hash="",
        vis_size=16,
    )


def _layers(model: LoadedModel) -> dict:
    return {layer.name: layer for layer in probe_layers(model)}


def test_adjacent_layers_get_the_conv_kernel_itself() -> None:
    model = _tiny_model()
    layers = _layers(model)
    expanded = expanded_weights(model, layers["relu1"], layers["relu2"])
    assert expanded.kind == "direct"
    # kept at the store's float16 precision: the conv's weights rounded to float16, exactly
    torch.testing.assert_close(expanded.kernels, model.module.conv2.weight.detach().half().float(), atol=0, rtol=0)


def test_residual_block_expands_to_composed_kernels_plus_identity() -> None:
    model = _tiny_model()
    layers = _layers(model)
    expanded = expanded_weights(model, layers["relu2"], layers["block"])
    wa, wb = model.module.block.conv_a.weight, model.module.block.conv_b.weight
    # Composition of two 3×3 correlations is a 5×5 correlation: sum over the middle channel of shifted products.
    expected = torch.zeros(5, 5, 5, 5)
    for i in range(3):
        for j in range(3):
            expected[:, :, i : i + 3, j : j + 3] += torch.einsum("om,mikl->oikl", wb[:, :, i, j], wa)
    expected[range(5), range(5), 2, 2] += 1
    assert expanded.kind == "expanded"
    torch.testing.assert_close(expanded.kernels, expected, atol=1e-3, rtol=1e-3)  # float16


def test_linear_after_average_pool_spreads_its_weight_over_the_map() -> None:
    model = _tiny_model()
    layers = _layers(model)
    expanded = expanded_weights(model, layers["block"], layers["fc"])
    h, w = layers["block"].height, layers["block"].width
    assert expanded.kernels.shape == (3, 5, h, w)
    torch.testing.assert_close(expanded.weights, model.module.fc.weight, atol=2e-3, rtol=1e-3)  # float16


def test_edges_keep_top_positive_and_negative_per_side_ranked_by_strength() -> None:
    model = _tiny_model()
    layers = _layers(model)
    expanded = expanded_weights(model, layers["relu2"], layers["block"])
    edges = list(edge_records(expanded, top=2))
    weights = expanded.weights
    for dst in range(5):
        incoming = sorted((e for e in edges if e.dst_unit == dst and e.in_rank is not None), key=lambda e: e.in_rank)
        row = weights[dst]
        expected = set(row.topk(2).indices.tolist()) | set((-row).topk(2).indices.tolist())
        assert {e.src_unit for e in incoming} == expected
        assert [e.in_rank for e in incoming] == list(range(len(incoming)))
        strengths = [abs(e.weight) for e in incoming]
        assert strengths == sorted(strengths, reverse=True)
    for src in range(5):
        outgoing = [e for e in edges if e.src_unit == src and e.out_rank is not None]
        column = weights[:, src]
        expected = set(column.topk(2).indices.tolist()) | set((-column).topk(2).indices.tolist())
        assert {e.dst_unit for e in outgoing} == expected


class TwoBranches(nn.Module):
    """stem → [1×1 branch `a`, 1×1 bottleneck → 3×3 branch `b`] → concat; `a` runs between stem and bottleneck."""

    def __init__(self) -> None:
        super().__init__()
        self.stem_conv, self.stem = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()
        self.a_conv, self.a = nn.Conv2d(4, 2, 1), nn.ReLU()
        self.b_bottleneck_conv, self.b_bottleneck = nn.Conv2d(4, 3, 1), nn.ReLU()
        self.b_conv, self.b = nn.Conv2d(3, 2, 3, padding=1), nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(self.stem_conv(x))
        return torch.cat([self.a(self.a_conv(x)), self.b(self.b_conv(self.b_bottleneck(self.b_bottleneck_conv(x))))], 1)

    def previous_layer(self, layer: str) -> str | None:
        """Each branch layer computes from the stem, the 3×3 from its bottleneck."""
        return {"stem": None, "a": "stem", "b_bottleneck": "stem", "b": "b_bottleneck"}[layer]


def test_a_sibling_branch_running_in_between_does_not_make_a_direct_connection_expanded() -> None:
    torch.manual_seed(0)
    model = LoadedModel(
        "two", "Two", "test", TwoBranches(), InputSpec(size=8), [], ["stem", "a", "b_bottleneck", "b"], "", 8
    )
    layers = _layers(model)
    assert layers["b_bottleneck"].previous == "stem" and layers["b"].previous == "b_bottleneck"
    expanded = expanded_weights(model, layers["stem"], layers["b_bottleneck"])
    assert expanded.kind == "direct"
    torch.testing.assert_close(expanded.kernels, model.module.b_bottleneck_conv.weight.detach().half().float())
