"""CIFAR ResNets: the architecture, strict loading of the real checkpoints, and their accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from precompute.zoo import load_model
from precompute.zoo.cifar_resnet import CifarResNet, ShortcutA, browsable_layers
from precompute.zoo.download import read_state_dict


@pytest.mark.parametrize("depth, blocks", [(20, 3), (32, 5), (44, 7), (56, 9), (110, 18)])
def test_depth_gives_six_n_plus_two_layers_of_blocks(depth: int, blocks: int) -> None:
    net = CifarResNet(depth)
    assert browsable_layers(net) == ["relu", *[f"layer{s}.{i}" for s in (1, 2, 3) for i in range(blocks)], "linear"]
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in net.modules())
    assert convs + 1 == depth


def test_invalid_depth_raises_value_error() -> None:
    with pytest.raises(ValueError, match="6n\\+2.*21"):
        CifarResNet(21)


def test_option_a_shortcut_subsamples_and_zero_pads_channels() -> None:
    x = torch.randn(2, 16, 8, 8)
    y = ShortcutA(32)(x)
    assert y.shape == (2, 32, 4, 4)
    assert torch.equal(y[:, 8:24], x[:, :, ::2, ::2])
    assert y[:, :8].abs().sum() == 0 and y[:, 24:].abs().sum() == 0


def test_stem_relu_adds_no_state_dict_keys(shared_dir: Path) -> None:
    checkpoint = read_state_dict(shared_dir / "weights" / "cifar10-resnet20.th")
    ours = {k for k in CifarResNet(20).state_dict() if not k.endswith("num_batches_tracked")}  # newer than the file
    assert ours == set(checkpoint)


@pytest.mark.parametrize("depth", [20, 32])
def test_shared_checkpoint_loads_strictly_and_classifies_cifar(
    depth: int, shared_dir: Path, cifar_sample: tuple[torch.Tensor, torch.Tensor]
) -> None:
    weights = shared_dir / "weights" / f"cifar10-resnet{depth}.th"
    model = load_model(f"cifar-resnet{depth}", weights=weights)
    x, labels = cifar_sample
    with torch.no_grad():
        predictions = model.module(model.input.normalize(x)).argmax(1)
    # 91.8% / 92.8% on the original PNGs; the shared test set is JPEG (quality 75, 4:2:0 chroma), which costs
    # these PNG-trained nets about 10 points (they score 80% / 85% on this sample, 85% / 88% on JPEG train images).
    assert (predictions == labels).float().mean() >= 0.75
    assert model.class_labels[3] == "cat" and model.input.size == 32 and model.vis_size == 32
    assert model.weights_hash.startswith({20: "12fca82f", 32: "d509ac18"}[depth])
