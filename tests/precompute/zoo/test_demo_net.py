"""The demo network: InceptionV1-shaped layers and branches, and the shipped weights on fresh stimuli."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from precompute.demo.train import evaluate
from precompute.hooks import LayerTap
from precompute.layers import auto_layers, forward_order, probe_layers
from precompute.stimuli import CLASS_NAMES, write_dataset
from precompute.zoo import WeightsUnavailable, demo_net, get_model, inceptionv1, load_model
from precompute.zoo.demo_net import BRANCHES, LAYERS, WEIGHTS, DemoInception, Mixed
from precompute.zoo.download import read_state_dict, sha256_file

# (units, height = width) of every browsable layer at the 64×64 input; None for the logits.
SHAPES = {
    "conv2d0": (32, 32),
    "conv2d1": (32, 16),
    "conv2d2": (64, 16),
    "mixed3a": (128, 8),
    "mixed3b": (192, 8),
    "mixed4a": (256, 4),
    "mixed4b": (512, 4),
    "fc": (len(CLASS_NAMES), None),
}


@pytest.fixture(scope="module")
def bare_net() -> DemoInception:
    """Seeded random weights in eval mode."""
    torch.manual_seed(0)
    return get_model("demo-inception").bare().module


def test_browsable_layers_have_the_documented_units_and_sizes() -> None:
    model = get_model("demo-inception").bare()
    infos = probe_layers(model)
    assert [info.name for info in infos] == LAYERS == model.layers
    assert {info.name: (info.units, info.height) for info in infos} == SHAPES
    assert model.input.size == model.vis_size == 64 and model.class_labels == list(CLASS_NAMES)


def test_automatic_layer_choice_finds_exactly_the_browsable_layers(bare_net: DemoInception) -> None:
    assert forward_order(bare_net, auto_layers(bare_net), 64) == LAYERS


def test_mixed4b_has_inceptionv1_widths_and_4b_409_is_a_5x5_unit(bare_net: DemoInception) -> None:
    assert bare_net.branches("mixed4b") == [
        ("mixed4b_1x1", 0, 160),
        ("mixed4b_3x3", 160, 384),
        ("mixed4b_5x5", 384, 448),
        ("mixed4b_pool_reduce", 448, 512),
    ]
    five = bare_net.get_submodule(bare_net.branch_module("mixed4b_5x5") + ".conv.conv")
    assert five.kernel_size == (5, 5) and five.out_channels == 64
    assert [name for name, start, stop in bare_net.branches("mixed4b") if start <= 409 < stop] == ["mixed4b_5x5"]


def test_branches_are_named_as_inceptionv1_names_its_branch_layers(bare_net: DemoInception) -> None:
    # InceptionV1's branch layers of mixed4b (concatenated in this order) are `mixed4b_` + its BRANCHES.
    assert [name for name, _, _ in bare_net.branches("mixed4b")] == [f"mixed4b_{b}" for b in inceptionv1.BRANCHES]
    assert tuple(BRANCHES) == inceptionv1.BRANCHES


def test_branch_names_map_to_the_modules_the_shipped_weights_name(bare_net: DemoInception) -> None:
    assert [bare_net.branch_module(name) for name, _, _ in bare_net.branches("mixed3a")] == [
        "mixed3a.b1x1",
        "mixed3a.b3x3",
        "mixed3a.b5x5",
        "mixed3a.pool",
    ]
    assert "mixed4b.b5x5.conv.conv.weight" in bare_net.state_dict()
    with pytest.raises(KeyError, match="'mixed4b_7x7' is not a branch; branches of mixed4b: mixed4b_1x1, "):
        bare_net.branch_module("mixed4b_7x7")
    with pytest.raises(KeyError, match="'fc' is not a mixed layer"):
        bare_net.branch_module("fc_1x1")


@pytest.mark.parametrize("layer", ["mixed3a", "mixed3b", "mixed4a", "mixed4b"])
def test_mixed_output_concatenates_branches_in_inceptionv1_order(bare_net: DemoInception, layer: str) -> None:
    ranges = bare_net.branches(layer)
    x = torch.rand(2, 3, 64, 64)
    modules = [bare_net.branch_module(name) for name, _, _ in ranges]
    with torch.no_grad(), LayerTap(bare_net, [layer, *modules]) as tap:
        outputs = tap.run(x)
    assert [name for name, _, _ in ranges] == [f"{layer}_{b}" for b in ("1x1", "3x3", "5x5", "pool_reduce")]
    assert ranges[-1][2] == outputs[layer].shape[1] == bare_net.get_submodule(layer).out_channels
    for module, (_, start, stop) in zip(modules, ranges, strict=True):
        assert torch.equal(outputs[layer][:, start:stop], outputs[module])


def test_every_conv_layer_outputs_its_post_relu_activation(bare_net: DemoInception) -> None:
    with torch.no_grad(), LayerTap(bare_net, LAYERS[:-1]) as tap:
        outputs = tap.run(torch.rand(2, 3, 64, 64))
    assert all(out.min() >= 0 and out.max() > 0 for out in outputs.values())


def test_branches_of_a_layer_that_is_not_mixed_raises_key_error(bare_net: DemoInception) -> None:
    with pytest.raises(KeyError, match="'conv2d2' is not a mixed layer.*mixed3a, mixed3b, mixed4a, mixed4b"):
        bare_net.branches("conv2d2")
    assert sum(isinstance(m, Mixed) for m in bare_net.modules()) == 4


def test_shipped_weights_are_a_small_fp16_state_dict_matching_their_record() -> None:
    record = json.loads(WEIGHTS.with_suffix(".json").read_text())
    state = read_state_dict(WEIGHTS)
    assert WEIGHTS.stat().st_size < 3_000_000
    assert all(v.dtype == torch.float16 for v in state.values() if v.is_floating_point())
    assert record["sha256"] == sha256_file(WEIGHTS) and record["heldout_accuracy"] >= 0.9
    assert record["classes"] == list(CLASS_NAMES)


def test_shipped_weights_load_strictly_and_classify_fresh_stimuli(tmp_path: Path) -> None:
    model = load_model("demo-inception")  # with_weights loads strictly: a missing or extra key raises
    assert model.weights_hash == sha256_file(WEIGHTS)
    assert all(p.dtype == torch.float32 for p in model.module.parameters())
    root = write_dataset(tmp_path / "fresh", per_class=10, seed=20260, progress=False)  # a seed never trained on
    assert evaluate(model.module, root) >= 0.9


def test_missing_shipped_weights_name_the_fix(tmp_path: Path) -> None:
    entry = demo_net.demo_entry("demo-x", "X", DemoInception, LAYERS, tmp_path / "gone.pt", "a network")
    with pytest.raises(WeightsUnavailable, match="microscope demo --retrain.*--weights FILE"):
        entry.build(None)


def test_given_weights_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    torch.manual_seed(1)
    path = tmp_path / "mine.pt"
    torch.save(DemoInception().state_dict(), path)
    model = load_model("demo-inception", weights=path)
    assert model.weights_hash == sha256_file(path) and "mine.pt" in model.description
    with pytest.raises(ValueError, match="does not exist"):
        load_model("demo-inception", weights=tmp_path / "absent.pt")
