"""The registry: ids, lookups, and every entry's architecture and browsable layers (no downloads)."""

from __future__ import annotations

import pytest
import torch

from precompute.layers import auto_layers, forward_order
from precompute.zoo import ModelEntry, get_model, list_models, load_model, register_model

CIFAR_IDS = ["cifar-resnet20", "cifar-resnet32", "cifar-resnet44", "cifar-resnet56", "cifar-resnet110"]
EXPECTED_IDS = [*CIFAR_IDS, "googlenet", "alexnet", "vgg19", "resnet50"]


def test_zoo_lists_the_expected_models() -> None:
    ids = [entry.id for entry in list_models()]
    assert set(EXPECTED_IDS) <= set(ids)
    assert len(ids) == len(set(ids))


def test_unknown_model_id_raises_key_error_listing_valid_ids() -> None:
    with pytest.raises(KeyError, match="unknown model 'nope'.*cifar-resnet20.*googlenet"):
        get_model("nope")
    with pytest.raises(KeyError, match="valid ids"):
        load_model("nope")


def test_registering_a_taken_id_raises() -> None:
    entry = get_model("alexnet")
    with pytest.raises(ValueError, match="already registered"):
        register_model(ModelEntry(entry.id, "again", "", entry.build))


@pytest.mark.parametrize("model_id", [entry.id for entry in list_models()])
def test_every_entry_builds_and_its_layers_exist_in_forward_order(model_id: str) -> None:
    entry = get_model(model_id)
    if entry.bare is None:
        pytest.fail(f"zoo entry {model_id!r} has no `bare` builder for tests; give its ModelEntry one")
    with torch.device("meta"):  # shapes only: no memory, no random init, no weights
        model = entry.bare()
    modules = dict(model.module.named_modules())
    assert model.layers and all(name in modules for name in model.layers)
    assert forward_order(model.module, model.layers, model.input.size) == model.layers
    assert not model.module.training
    assert all(not p.requires_grad for p in model.module.parameters())
    assert model.vis_size in (32, 64, 128)


@pytest.mark.parametrize("model_id", EXPECTED_IDS)
def test_automatic_layer_choice_matches_the_zoo_lists(model_id: str) -> None:
    bare = get_model(model_id).bare
    assert bare is not None
    with torch.device("meta"):
        model = bare()
    assert forward_order(model.module, auto_layers(model.module), model.input.size) == model.layers
