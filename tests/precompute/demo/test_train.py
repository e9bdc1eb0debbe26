"""Training the demo network: seeded runs repeat exactly, the loss falls, and the record describes the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from precompute.demo.train import INIT_SCALE, augment, initialize, load_images, train
from precompute.stimuli import CLASS_NAMES, write_dataset
from precompute.stimuli.world import symmetry_permutation
from precompute.zoo.demo_net import WEIGHTS, DemoInception
from precompute.zoo.demo_vgg import WEIGHTS as VGG_WEIGHTS
from precompute.zoo.download import read_state_dict, sha256_file

TINY = {"epochs": 1, "batch_size": 16, "lr": 0.02, "progress": False}  # 26 steps, about a second


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 training and 2 held-out stimuli per class, in the train/heldout layout `train` reads."""
    root = tmp_path_factory.mktemp("stimuli")
    write_dataset(root / "train", per_class=32, seed=11, progress=False)
    write_dataset(root / "heldout", per_class=2, seed=12, progress=False)
    return root


def _same_weights(a: Path, b: Path) -> bool:
    first, second = read_state_dict(a), read_state_dict(b)
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


def test_same_seed_gives_identical_weights_and_the_loss_falls(tiny_data: Path, tmp_path: Path) -> None:
    one = train(tiny_data, tmp_path / "one.pt", seed=3, **TINY)
    two = train(tiny_data, tmp_path / "two.pt", seed=3, **TINY)
    assert _same_weights(tmp_path / "one.pt", tmp_path / "two.pt")
    assert one["step_losses"] == two["step_losses"]
    losses = one["step_losses"]
    assert len(losses) == 32 * len(CLASS_NAMES) // 16
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.1


def test_another_seed_gives_other_weights(tiny_data: Path, tmp_path: Path) -> None:
    train(tiny_data, tmp_path / "a.pt", seed=0, **TINY)
    train(tiny_data, tmp_path / "b.pt", seed=1, **TINY)
    assert not _same_weights(tmp_path / "a.pt", tmp_path / "b.pt")


def test_record_beside_the_weights_describes_the_run(tiny_data: Path, tmp_path: Path) -> None:
    returned = train(tiny_data, tmp_path / "w.pt", seed=5, **TINY)
    record = json.loads((tmp_path / "w.json").read_text())
    assert record == {k: v for k, v in returned.items() if k != "step_losses"}
    assert record["sha256"] == sha256_file(tmp_path / "w.pt") and record["seed"] == 5 and record["epochs"] == 1
    assert record["data"]["train"]["per_class"] == 32 and record["data"]["heldout_images"] == 2 * len(CLASS_NAMES)
    assert sum(map(sum, record["confusion"])) == 2 * len(CLASS_NAMES)
    assert len(record["history"]) == 1 and 0 <= record["heldout_accuracy"] <= 1


def test_training_restores_the_global_torch_settings(tiny_data: Path, tmp_path: Path) -> None:
    threads, state = torch.get_num_threads(), torch.get_rng_state()
    train(tiny_data, tmp_path / "w.pt", seed=0, **TINY)
    assert torch.get_num_threads() == threads and torch.equal(torch.get_rng_state(), state)
    assert not torch.are_deterministic_algorithms_enabled()


def test_augment_moves_each_label_with_its_image(tiny_data: Path) -> None:
    x, labels = load_images(tiny_data / "heldout")
    x = x.float() / 255.0
    moved, moved_labels = augment(x, labels, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and not torch.equal(moved, x)
    assert (moved - x).abs().max() > 0.05  # noise alone moves no pixel this far: some images were flipped
    for image, label, out, out_label in zip(x, labels, moved, moved_labels, strict=True):
        for candidate in _symmetries(image, int(label)):
            if (candidate[0] - out).abs().max() < 0.2 and candidate[1] == int(out_label):
                break
        else:
            raise AssertionError(f"image of label {int(label)} changed in a way no symmetry explains")


def _symmetries(image: torch.Tensor, label: int) -> list[tuple[torch.Tensor, int]]:
    """The 8 symmetries of the square as compositions of the three flips `augment` draws, with the mapped label."""
    ops = {"hflip": lambda t: t.flip(2), "vflip": lambda t: t.flip(1), "transpose": lambda t: t.transpose(1, 2)}
    found = []
    for mask in range(8):
        out, out_label = image, label
        for bit, name in enumerate(ops):
            if mask >> bit & 1:
                out, out_label = ops[name](out), symmetry_permutation(name)[out_label]
        found.append((out, out_label))
    return found


def test_initial_conv_weights_are_scaled_down_and_the_network_computes_the_same() -> None:
    torch.manual_seed(0)
    default = DemoInception()
    torch.manual_seed(0)
    scaled = initialize(DemoInception())
    assert torch.allclose(scaled.conv2d0.conv.weight, default.conv2d0.conv.weight * INIT_SCALE)
    x = torch.randn(4, 3, 64, 64)
    # In training, with batch statistics, BatchNorm undoes the conv's scale up to its eps: within 1% of the logits
    assert torch.allclose(scaled(x), default(x), atol=0.01 * default(x).abs().max().item())


def test_missing_data_raises_value_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no stimulus images under .*train"):
        train(tmp_path, tmp_path / "w.pt", **TINY)
    with pytest.raises(ValueError, match="epochs"):
        train(tmp_path, tmp_path / "w.pt", epochs=0, batch_size=16)


def test_the_demo_docs_quote_the_shipped_networks_confusion_matrix_and_accuracy() -> None:
    record = json.loads(WEIGHTS.with_suffix(".json").read_text())
    readme = (Path(__file__).resolve().parents[3] / "docs" / "demo.md").read_text()
    for name, row in zip(record["classes"], record["confusion"], strict=True):
        assert f"| {name} | " + " | ".join(str(v) if v else "·" for v in row) + " |" in readme, name
    words = " ".join(readme.split())  # the prose wraps anywhere
    for weights in (WEIGHTS, VGG_WEIGHTS):
        shipped = json.loads(weights.with_suffix(".json").read_text())
        held_out = sum(map(sum, shipped["confusion"]))
        assert f"reaches {shipped['heldout_accuracy']:.2%} on the {held_out:,} held-out" in words, weights.name
        assert shipped["heldout_accuracy"] < 1.0  # the task still needs more than the network has learned
        assert f"`{shipped['model']}` {shipped['threads']}" in words  # the thread count that repeats it bit for bit


def test_the_shipped_weights_are_learned_not_their_random_start() -> None:
    """Every conv of the shipped demo-inception correlates at most 0.25 with the start `train` gave it (seed 0): what
    the weights pages show between units was learned (docs/demo.md says so)."""
    torch.manual_seed(0)
    start = initialize(DemoInception()).state_dict()
    shipped = read_state_dict(WEIGHTS)
    convs = [k for k in start if k.endswith("conv.weight")]
    r = {k: float(torch.corrcoef(torch.stack([start[k].flatten(), shipped[k].float().flatten()]))[0, 1]) for k in convs}
    assert len(convs) == 27 and max(r.values()) <= 0.25, max(r.items(), key=lambda item: item[1])
