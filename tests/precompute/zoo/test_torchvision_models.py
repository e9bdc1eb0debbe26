"""torchvision models with user weights: head size and aux heads from the file, labels, layer lists."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn
from torchvision.models import googlenet

from precompute.zoo import get_model, load_model, torchvision_models
from precompute.zoo.download import sha256_file
from precompute.zoo.torchvision_models import TORCHVISION_MODELS

LAYERS = {
    "googlenet": ["conv1", "conv2", "conv3", "inception3a", "inception3b", "inception4a", "inception4b",
                  "inception4c", "inception4d", "inception4e", "inception5a", "inception5b", "fc"],
    "alexnet": ["features.1", "features.4", "features.7", "features.9", "features.11",
                "classifier.2", "classifier.5", "classifier.6"],
    "vgg19": [*[f"features.{i}" for i in (1, 3, 6, 8, 11, 13, 15, 17, 20, 22, 24, 26, 29, 31, 33, 35)],
              "classifier.1", "classifier.4", "classifier.6"],
    "resnet50": ["relu", *[f"layer{s}.{i}" for s, n in ((1, 3), (2, 4), (3, 6), (4, 3)) for i in range(n)], "fc"],
}  # fmt: skip
SKIPPED = (nn.modules.batchnorm._NormBase, nn.modules.pooling._MaxPoolNd, nn.Dropout, nn.LocalResponseNorm)


@pytest.mark.parametrize("model_id", LAYERS)
def test_browsable_layers_are_microscope_style(model_id: str) -> None:
    with torch.device("meta"):
        model = TORCHVISION_MODELS[model_id]
        loaded = model.builder(None, official=False)()
    assert model.layers(loaded) == LAYERS[model_id]


def test_googlenet_with_user_weights_takes_head_size_from_the_file(shared_dir: Path) -> None:
    model = load_model("googlenet", weights=shared_dir / "weights" / "googlenet-cifar10.pt")
    assert model.module.fc.out_features == 10
    assert model.class_labels == [f"class {i}" for i in range(10)]
    assert model.module.transform_input is False and model.module.aux1 is None
    assert model.layers == LAYERS["googlenet"]
    assert model.weights_hash.startswith("db69a8cc") and model.input.size == 224 and model.vis_size == 128


def test_aux_heads_are_built_when_the_file_has_them(tmp_path: Path) -> None:
    path = tmp_path / "aux.pt"
    torch.save({"state_dict": googlenet(num_classes=7, aux_logits=True, init_weights=False).state_dict()}, path)
    model = load_model("googlenet", weights=path)
    assert model.module.aux1 is not None and model.module.fc.out_features == 7
    assert model.class_labels[-1] == "class 6"


def test_thousand_way_head_gets_imagenet_labels(tmp_path: Path) -> None:
    path = tmp_path / "alexnet.pt"
    with torch.device("meta"):
        shapes = TORCHVISION_MODELS["alexnet"].builder(None, official=False)().state_dict()
    torch.save({k: torch.zeros(v.shape) for k, v in shapes.items()}, path)
    model = load_model("alexnet", weights=path)
    assert len(model.class_labels) == 1000 and model.class_labels[0] == "tench"
    assert not any(getattr(m, "inplace", False) for m in model.module.modules())


def test_official_googlenet_file_passed_by_hand_keeps_transform_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "googlenet-official.pth"
    torch.save(googlenet(aux_logits=True, init_weights=False).state_dict(), path)
    monkeypatch.setattr(torchvision_models, "official_hash", lambda _tv_model: sha256_file(path)[:8])
    model = load_model("googlenet", weights=path)
    assert model.module.transform_input is True and model.module.aux1 is None
    assert model.class_labels[0] == "tench"


@pytest.mark.parametrize("model_id", LAYERS)
def test_browsable_layers_are_outputs_never_norms_pools_or_dropout(model_id: str) -> None:
    bare = get_model(model_id).bare
    assert bare is not None
    with torch.device("meta"):
        model = bare()
    modules = [model.module.get_submodule(name) for name in model.layers]
    assert all(isinstance(m, nn.ReLU | nn.Linear) or list(m.children()) for m in modules)  # activations, blocks
    assert not any(isinstance(m, SKIPPED) for m in modules)


@pytest.mark.parametrize("model_id", LAYERS)
def test_imagenet_models_name_their_classes_offline(model_id: str) -> None:
    bare = get_model(model_id).bare
    assert bare is not None
    with torch.device("meta"):
        labels = bare().class_labels
    assert len(labels) == 1000 and labels[0] == "tench" and labels[207] == "golden retriever"


def test_only_googlenet_warns_that_it_is_not_microscopes_inceptionv1() -> None:
    warnings = {model_id: TORCHVISION_MODELS[model_id].warning for model_id in LAYERS}
    assert "inception4b:409 is not the articles' 4b:409" in warnings["googlenet"]
    assert "/models/inceptionv1/units/4b:409" in warnings["googlenet"]
    assert not any(warnings[model_id] for model_id in ("alexnet", "vgg19", "resnet50"))
    with torch.device("meta"):
        assert get_model("googlenet").bare().warning == warnings["googlenet"]  # type: ignore[misc]
