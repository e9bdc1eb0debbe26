"""ImageNet classics from torchvision (GoogLeNet, AlexNet, VGG19, ResNet-50) with their official weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch
from torch import Tensor, nn
from torchvision import models as tvm
from torchvision.models import AlexNet_Weights, GoogLeNet_Weights, ResNet50_Weights, VGG19_Weights
from torchvision.models._api import WeightsEnum

from .download import fetch, hash_in_name, read_state_dict, sha256_file, with_weights
from .types import IMAGENET_MEAN, IMAGENET_STD, InputSpec, LoadedModel, ModelEntry


def relus(module: nn.Module, container: str) -> list[str]:
    """The ReLU children of a Sequential, by path (`features.1`, …)."""
    seq = module.get_submodule(container)
    return [f"{container}.{i}" for i, child in enumerate(seq) if isinstance(child, nn.ReLU)]


def googlenet_layers(module: nn.Module) -> list[str]:
    """conv1 … conv3, every Inception block, fc."""
    blocks = [name for name, _ in module.named_children() if name.startswith("inception")]
    return ["conv1", "conv2", "conv3", *blocks, "fc"]


def alexnet_vgg_layers(module: nn.Module) -> list[str]:
    """Each ReLU in `features` and `classifier`, then the logits."""
    classifier = module.get_submodule("classifier")
    return [*relus(module, "features"), *relus(module, "classifier"), f"classifier.{len(classifier) - 1}"]


def resnet_layers(module: nn.Module) -> list[str]:
    """The stem's ReLU, every bottleneck block, fc."""
    stages = ("layer1", "layer2", "layer3", "layer4")
    return ["relu", *[f"{s}.{i}" for s in stages for i in range(len(module.get_submodule(s)))], "fc"]


@dataclass(frozen=True)
class TorchvisionModel:
    """One of torchvision's models: its builder name, official weights, where its head is, browsable layers."""

    id: str
    title: str
    description: str
    weights: WeightsEnum
    head: str  # state-dict key of the classifier's weight: its rows are the number of classes
    layers: Callable[[nn.Module], list[str]]
    warning: str = ""  # shown on every page of the model

    def builder(self, state_dict: dict[str, Tensor] | None, official: bool) -> Callable[[], nn.Module]:
        """A builder for this architecture shaped like `state_dict` (head size, GoogLeNet's aux heads)."""
        kwargs: dict[str, object] = {}
        if state_dict is not None:
            kwargs["num_classes"] = state_dict[self.head].shape[0] if self.head in state_dict else 1000
        if self.id == "googlenet":
            # The official weights expect torchvision's transform_input; user files were trained without it.
            has_aux = state_dict is not None and any(k.startswith("aux1.") for k in state_dict)
            kwargs |= {"aux_logits": has_aux, "transform_input": official, "init_weights": False}
        return partial(tvm.get_model, self.id, weights=None, **kwargs)


GOOGLENET_WARNING = (
    "This is not the InceptionV1 of OpenAI Microscope, Lucid and the Circuits articles: torchvision's GoogLeNet "
    'has BatchNorm, other weights and other units (its "5x5" branches are 3x3 convolutions), so its '
    "inception4b:409 is not the articles' 4b:409. That unit is InceptionV1's mixed4b:409, a dog-head detector: "
    "/models/inceptionv1/units/4b:409"
)

TORCHVISION_MODELS = {
    f.id: f
    for f in [
        TorchvisionModel(
            "googlenet",
            "GoogLeNet (torchvision)",
            "torchvision's GoogLeNet (BatchNorm, weights ported from TF-slim, ImageNet).",
            GoogLeNet_Weights.IMAGENET1K_V1,
            "fc.weight",
            googlenet_layers,
            warning=GOOGLENET_WARNING,
        ),
        TorchvisionModel(
            "alexnet",
            "AlexNet (torchvision)",
            "torchvision's one-tower AlexNet trained on ImageNet.",
            AlexNet_Weights.IMAGENET1K_V1,
            "classifier.6.weight",
            alexnet_vgg_layers,
        ),
        TorchvisionModel(
            "vgg19",
            "VGG19 (torchvision)",
            "torchvision's VGG19 (no BatchNorm) trained on ImageNet.",
            VGG19_Weights.IMAGENET1K_V1,
            "classifier.6.weight",
            alexnet_vgg_layers,
        ),
        TorchvisionModel(
            "resnet50",
            "ResNet-50 (torchvision)",
            "torchvision's ResNet-50 (v1.5) trained on ImageNet.",
            ResNet50_Weights.IMAGENET1K_V1,
            "fc.weight",
            resnet_layers,
        ),
    ]
}


def official_weights(tv_model: TorchvisionModel) -> Path:
    """The official weights file, from torch.hub's cache (`$TORCH_HOME`) or downloaded into it."""
    url = tv_model.weights.url
    directory = Path(torch.hub.get_dir()) / "checkpoints"
    return fetch(url, url.rsplit("/", 1)[-1], model=tv_model.id, directory=directory)


def _no_inplace(module: nn.Module) -> nn.Module:
    # torchvision's in-place ReLUs would overwrite a captured conv output later in the same pass.
    for child in module.modules():
        if isinstance(child, nn.ReLU):
            child.inplace = False
    return module


def _loaded(tv_model: TorchvisionModel, module: nn.Module, weights_hash: str, note: str) -> LoadedModel:
    head = module.get_submodule(tv_model.layers(module)[-1])
    n_out = head.out_features if isinstance(head, nn.Linear) else 0
    labels = tv_model.weights.meta["categories"] if n_out == 1000 else [f"class {i}" for i in range(n_out)]
    return LoadedModel(
        id=tv_model.id,
        title=tv_model.title,
        architecture=tv_model.id,
        module=_no_inplace(module),
        input=InputSpec(224, IMAGENET_MEAN, IMAGENET_STD),
        class_labels=list(labels),
        layers=tv_model.layers(module),
        weights_hash=weights_hash,
        vis_size=128,
        description=f"{tv_model.description} {note}".strip(),
        warning=tv_model.warning,
    )


def official_hash(tv_model: TorchvisionModel) -> str:
    """The sha256 prefix of the official weights file, from its name."""
    return hash_in_name(tv_model.weights.url.rsplit("/", 1)[-1]) or "-"


def build(model_id: str, weights: Path | None = None) -> LoadedModel:
    """The model with the given weights file (a state dict) or torchvision's IMAGENET1K_V1 weights."""
    tv_model = TORCHVISION_MODELS[model_id]
    path = Path(weights) if weights else official_weights(tv_model)
    digest = sha256_file(path)
    official = digest.startswith(official_hash(tv_model))  # also when the official file is passed by hand
    state_dict = read_state_dict(path)
    module = with_weights(tv_model.builder(state_dict, official), state_dict, str(path))
    if official and tv_model.id == "googlenet":  # as torchvision's builder: the aux heads are untrained
        module.aux_logits, module.aux1, module.aux2 = False, None, None
    note = "Weights: IMAGENET1K_V1." if official else f"Weights: {path.name}."
    return _loaded(tv_model, module, digest, note)


def bare(model_id: str) -> LoadedModel:
    """Random weights, for tests only."""
    tv_model = TORCHVISION_MODELS[model_id]
    return _loaded(tv_model, tv_model.builder(None, official=False)(), "", "Random weights (tests only).")


ENTRIES = [
    ModelEntry(f.id, f.title, f.description, build=partial(build, f.id), bare=partial(bare, f.id))
    for f in TORCHVISION_MODELS.values()
]
