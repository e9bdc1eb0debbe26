"""Model specs: the example spec, a custom architecture beside its spec, and field validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from precompute.zoo import load_model

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "models" / "googlenet-cifar10.toml"
TINY_NET = """
from torch import nn


def tiny(width=4, classes=3):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(width, classes),
    )
"""
SPEC = """
id = "tiny"
architecture = "tinynet_for_spec_tests:tiny"
weights = "tiny.pt"
[kwargs]
width = 4
[input]
size = 16
"""


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    """A folder with a tiny architecture module, its weights and a spec naming both."""
    (tmp_path / "tinynet_for_spec_tests.py").write_text(TINY_NET)
    namespace: dict = {}
    exec(TINY_NET, namespace)
    torch.save(namespace["tiny"]().state_dict(), tmp_path / "tiny.pt")
    (tmp_path / "tiny.toml").write_text(SPEC)
    return tmp_path


def write_spec(spec_dir: Path, text: str) -> Path:
    """A spec with this text beside the tiny model."""
    path = spec_dir / "edited.toml"
    path.write_text(text)
    return path


def test_example_spec_loads_googlenet_and_classifies_cifar(
    shared_dir: Path, cifar_sample: tuple[torch.Tensor, torch.Tensor]
) -> None:
    model = load_model(str(EXAMPLE))
    assert model.id == "googlenet-cifar10" and model.input.size == 128 and model.vis_size == 128
    assert model.module.fc.out_features == 10 and model.class_labels[0] == "airplane"
    assert model.layers[:4] == ["conv1", "conv2", "conv3", "inception3a"] and model.layers[-1] == "fc"
    assert model.weights_hash.startswith("db69a8cc")
    keep = torch.arange(len(cifar_sample[1])) % 20 < 10  # 10 per class: GoogLeNet at 128 px is slow on a CPU
    x, labels = cifar_sample[0][keep], cifar_sample[1][keep]
    x = F.interpolate(x, size=128, mode="bilinear", align_corners=False)
    with torch.no_grad():
        predictions = torch.cat([model.module(model.input.normalize(b)).argmax(1) for b in x.split(50)])
    assert (predictions == labels).float().mean() >= 0.80


def test_spec_with_custom_architecture_beside_it_loads(spec_dir: Path) -> None:
    model = load_model(spec_dir / "tiny.toml")  # type: ignore[arg-type]
    assert model.architecture == "tinynet_for_spec_tests:tiny"
    assert model.layers == ["2", "5", "9"]  # post-ReLU outputs and the logits: no BatchNorm, pool or dropout
    assert model.class_labels == ["class 0", "class 1", "class 2"]
    assert model.vis_size == 16 and model.title == "tiny" and len(model.weights_hash) == 64


def test_weights_argument_replaces_the_specs_weights(spec_dir: Path) -> None:
    (spec_dir / "tiny.pt").rename(spec_dir / "elsewhere.pt")
    model = load_model(str(spec_dir / "tiny.toml"), weights=spec_dir / "elsewhere.pt")
    assert model.id == "tiny"


def test_labels_file_and_explicit_layers_are_used(spec_dir: Path) -> None:
    (spec_dir / "labels.txt").write_text("cat\ndog\n\nbird\n")
    text = SPEC.replace('weights = "tiny.pt"', 'weights = "tiny.pt"\nlabels = "labels.txt"\nlayers = ["9", "2"]')
    model = load_model(str(write_spec(spec_dir, text)))
    assert model.class_labels == ["cat", "dog", "bird"]
    assert model.layers == ["2", "9"]  # forward order, whatever order the spec lists them in


@pytest.mark.parametrize(
    "old, new, field",
    [
        ('id = "tiny"', 'id = "a/b"', "'id'"),
        ('id = "tiny"', 'id = "tiny"\ncolour = "red"', "colour"),
        ('architecture = "tinynet_for_spec_tests:tiny"', 'architecture = "resnet181"', "'architecture'"),
        ('architecture = "tinynet_for_spec_tests:tiny"', 'architecture = "no_such_module:f"', "'architecture'"),
        ('weights = "tiny.pt"', 'weights = "missing.pt"', "'weights'"),
        ('weights = "tiny.pt"', "", "'weights'"),
        ('weights = "tiny.pt"', 'weights = "tiny.pt"\nlabels = ["a", "b"]', "'labels'"),
        ('weights = "tiny.pt"', 'weights = "tiny.pt"\nlayers = ["nope"]', "'layers'"),
        ('weights = "tiny.pt"', 'weights = "tiny.pt"\nvis_size = 0', "'vis_size'"),
        ("width = 4", "depth = 4", "'kwargs'"),
        ("size = 16", "size = 16\nmean = [0.5, 0.5]", "'input'"),
        ("size = 16", "size = -1", "'input'"),
        ("size = 16", "size = 16\ngamma = 2.2", "input.gamma"),
        ("size = 16", "size = 1", "'input'"),  # too small for the network
    ],
)
def test_bad_spec_field_raises_value_error_naming_it(spec_dir: Path, old: str, new: str, field: str) -> None:
    assert old in SPEC
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        load_model(str(write_spec(spec_dir, SPEC.replace(old, new))))


def test_missing_spec_file_raises_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_model(str(tmp_path / "absent.toml"))


def test_architecture_with_non_persistent_buffers_loads(spec_dir: Path) -> None:
    (spec_dir / "buffered_for_spec_tests.py").write_text(
        "import torch\n"
        + TINY_NET
        + """

class Buffered(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = tiny()
        self.register_buffer("offset", torch.ones(1), persistent=False)

    def forward(self, x):
        return self.net(x - self.offset)
"""
    )
    namespace: dict = {}
    exec(TINY_NET, namespace)
    torch.save({"state_dict": {f"net.{k}": v for k, v in namespace["tiny"]().state_dict().items()}}, spec_dir / "b.pt")
    text = SPEC.replace("tinynet_for_spec_tests:tiny", "buffered_for_spec_tests:Buffered").replace("tiny.pt", "b.pt")
    model = load_model(str(write_spec(spec_dir, text.replace("width = 4", ""))))
    assert model.module.offset.item() == 1.0 and model.layers == ["net.2", "net.5", "net.9"]


def test_spec_warning_is_carried_to_every_page_of_the_model(spec_dir: Path) -> None:
    model = load_model(str(write_spec(spec_dir, 'warning = "Not the network its name suggests."\n' + SPEC)))
    assert model.warning == "Not the network its name suggests."
    assert load_model(str(spec_dir / "tiny.toml")).warning == ""
