"""probe_layers and the automatic layer choice, on a randomly initialized CIFAR ResNet-20 (no assets needed)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from precompute.layers import auto_layers, forward_order, probe_layers
from precompute.zoo import get_model
from precompute.zoo.types import LoadedModel


@pytest.fixture(scope="module")
def resnet20() -> LoadedModel:
    """cifar-resnet20's architecture with random weights: shapes and receptive fields do not depend on them."""
    torch.manual_seed(0)
    bare = get_model("cifar-resnet20").bare
    assert bare is not None
    return bare()


def test_probe_gives_units_sizes_and_previous_links(resnet20: LoadedModel) -> None:
    infos = probe_layers(resnet20)
    assert [i.name for i in infos] == resnet20.layers
    assert [i.units for i in infos] == [16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 10]
    assert [i.height for i in infos] == [32, 32, 32, 32, 16, 16, 16, 8, 8, 8, None]
    assert [i.width for i in infos] == [i.height for i in infos]
    assert [i.kind for i in infos] == ["conv"] * 10 + ["linear"]
    assert [i.previous for i in infos] == [None, *resnet20.layers[:-1]]
    assert [i.position for i in infos] == list(range(11))
    assert [i.rf_stride for i in infos] == [1.0] * 4 + [2.0] * 3 + [4.0] * 3 + [32.0]


def test_receptive_fields_grow_with_depth_up_to_the_image(resnet20: LoadedModel) -> None:
    sizes = [i.rf_size for i in probe_layers(resnet20)]
    assert sizes[:5] == [3, 7, 11, 15, 21]  # 3x3 stem, +4 per block at stride 1, +2+4 at the stride-2 block
    assert all(a < b or b == 32 for a, b in zip(sizes, sizes[1:], strict=False))
    assert max(sizes) == 32 and sizes[-1] == 32


def test_probing_a_subset_links_each_layer_to_the_previous_chosen_one(resnet20: LoadedModel) -> None:
    infos = probe_layers(resnet20, ["linear", "layer2.0", "relu"])
    assert [(i.name, i.previous, i.position) for i in infos] == [
        ("relu", None, 0),
        ("layer2.0", "relu", 4),
        ("linear", "layer2.0", 10),
    ]


def test_unknown_layer_raises_key_error_listing_browsable_ones(resnet20: LoadedModel) -> None:
    with pytest.raises(KeyError, match="layer9.9.*valid: relu, layer1.0"):
        probe_layers(resnet20, ["layer9.9"])
    with pytest.raises(KeyError, match="bn1"):  # a module, but not a browsable layer
        probe_layers(resnet20, ["bn1"])


def test_probe_leaves_no_hooks_behind(resnet20: LoadedModel) -> None:
    probe_layers(resnet20)
    assert not any(m._forward_hooks for m in resnet20.module.modules())


class Branchy(nn.Module):
    """Children declared in a different order from the one the forward pass uses them in."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(8, 2)
        self.block = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        self.unused = nn.Conv2d(8, 8, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Block, pool, head."""
        return self.head(self.pool(self.block(x)).flatten(1))


def test_auto_layers_skip_norms_and_pools_and_forward_order_sorts_by_firing() -> None:
    net = Branchy().eval()
    candidates = auto_layers(net)
    assert candidates == ["head", "block.2", "unused"]
    assert forward_order(net, candidates, 8) == ["block.2", "head"]


def test_units_of_a_concatenating_layer_know_their_branch() -> None:
    from precompute.zoo.demo_net import bare

    layers = {layer.name: layer for layer in probe_layers(bare(), ["mixed4a", "mixed4b", "fc"])}
    branches = layers["mixed4b"].branches
    assert branches[0] == "mixed4b_1x1" and branches[409] == "mixed4b_5x5" and branches[511] == "mixed4b_pool_reduce"
    assert sorted(branches) == list(range(512))
    assert layers["fc"].branches == {}


def test_torchvision_googlenet_blocks_are_divided_into_their_four_branches() -> None:
    from precompute.zoo.torchvision_models import bare

    layers = {layer.name: layer for layer in probe_layers(bare("googlenet"), ["conv3", "inception3a"])}
    spans: dict[str, list[int]] = {}
    for unit, branch in sorted(layers["inception3a"].branches.items()):
        spans.setdefault(branch, []).append(unit)
    widths = {branch: (units[0], units[-1] + 1) for branch, units in spans.items()}
    assert widths == {  # torchvision's inception3a: 64 + 128 + 32 + 32, concatenated in this order
        "inception3a.branch1": (0, 64),
        "inception3a.branch2": (64, 192),
        "inception3a.branch3": (192, 224),
        "inception3a.branch4": (224, 256),
    }
    assert layers["conv3"].branches == {}
