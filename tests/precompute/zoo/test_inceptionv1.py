"""InceptionV1 (inception5h) reproduces the numeric oracle number for number and names units as Microscope does."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from precompute.hooks import LayerTap
from precompute.layers import probe_layers
from precompute.linearize import linearized
from precompute.zoo import WeightsUnavailable, load_model
from precompute.zoo.inceptionv1 import LAYERS, MAIN_LAYERS, _max_pool_same, bare
from store.refs import UnitRef


@pytest.fixture(scope="module")
def oracle(shared_dir: Path) -> tuple[object, dict[str, np.ndarray]]:
    folder = shared_dir / "data" / "inceptionv1"
    model = load_model("inceptionv1", folder / "oracle-weights-fp16.pt")
    with np.load(folder / "oracle-activations.npz") as data:
        return model, {k: data[k] for k in data.files}


def test_every_oracle_activation_and_the_softmax_match(oracle: tuple) -> None:
    model, data = oracle
    names = [k.removeprefix("act/") for k in data if k.startswith("act/")]
    x = model.input.normalize(torch.from_numpy(data["input_01"]).float())
    with torch.no_grad():
        acts = LayerTap(model.module, names, stop=False).run(x)
        probs = model.module(x).softmax(dim=1)
    for name in names:
        expected = torch.from_numpy(data[f"act/{name}"]).float()
        torch.testing.assert_close(acts[name], expected, rtol=1e-4, atol=1e-5 * float(expected.abs().max()))
    torch.testing.assert_close(probs, torch.from_numpy(data["logits_or_probs"]).float(), rtol=1e-4, atol=1e-7)


def test_state_dict_has_exactly_the_checkpoint_keys_and_shapes(shared_dir: Path) -> None:
    listed = json.loads((shared_dir / "data" / "inceptionv1" / "state_dict_keys.json").read_text())["keys"]
    ours = {k: list(v.shape) for k, v in bare().module.state_dict().items()}
    assert ours == {k: shape for k, shape in listed}


def test_4b_409_is_mixed4b_unit_409_of_the_5x5_branch() -> None:
    model = bare()
    ref = UnitRef.parse("4b:409").resolve(model.layers)
    assert (ref.layer, ref.unit) == ("mixed4b", 409)
    spans = {name: (start, stop) for name, start, stop in model.module.branches("mixed4b")}
    assert spans["mixed4b_5x5"] == (384, 448)
    assert list(spans) == ["mixed4b_1x1", "mixed4b_3x3", "mixed4b_5x5", "mixed4b_pool_reduce"]


def test_offline_without_weights_fails_fast_naming_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MICROSCOPE_OFFLINE", "1")
    monkeypatch.setenv("MICROSCOPE_CACHE", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(WeightsUnavailable, match="--weights"):
        load_model("inceptionv1")
    assert time.monotonic() - started < 5


def test_every_branch_layer_is_browsable_in_forward_order() -> None:
    branches = [name for name in LAYERS if name.startswith("mixed4b_")]
    assert branches == [
        "mixed4b_1x1",
        "mixed4b_3x3_bottleneck",
        "mixed4b_3x3",
        "mixed4b_5x5_bottleneck",
        "mixed4b_5x5",
        "mixed4b_pool_reduce",
    ]
    assert len(LAYERS) == len(MAIN_LAYERS) + 9 * 6 and LAYERS.index("mixed4b_pool_reduce") < LAYERS.index("mixed4b")


def test_a_precompute_computes_the_main_layers_unless_asked_for_branches() -> None:
    infos = probe_layers(bare())
    assert [info.name for info in infos] == MAIN_LAYERS
    assert {info.name: info.previous for info in infos}["mixed4b"] == "mixed4a"
    assert all(info.parent is None for info in infos)


def test_branch_layers_link_to_what_they_compute_from_and_sit_under_their_mixed_layer() -> None:
    chosen = ["mixed4a", "mixed4b_3x3_bottleneck", "mixed4b_3x3", "mixed4b_5x5", "mixed4b_pool_reduce", "mixed4b"]
    infos = {info.name: info for info in probe_layers(bare(), chosen)}
    assert {name: info.previous for name, info in infos.items()} == {
        "mixed4a": None,
        "mixed4b_3x3_bottleneck": "mixed4a",
        "mixed4b_3x3": "mixed4b_3x3_bottleneck",
        "mixed4b_5x5": "mixed4a",  # its bottleneck is not chosen: the connection is expanded across it
        "mixed4b_pool_reduce": "mixed4a",
        "mixed4b": "mixed4a",
    }
    assert {name: info.parent for name, info in infos.items()} == {
        "mixed4a": None,
        "mixed4b_3x3_bottleneck": "mixed4b",
        "mixed4b_3x3": "mixed4b",
        "mixed4b_5x5": "mixed4b",
        "mixed4b_pool_reduce": "mixed4b",
        "mixed4b": None,
    }
    assert infos["mixed4b_5x5"].units == 64 and infos["mixed4b_5x5"].branches == {}
    assert infos["mixed4b"].branches[409] == "mixed4b_5x5"


def test_linearized_max_pools_average_only_the_image_not_the_padding() -> None:
    x = torch.ones(1, 1, 6, 6)
    with linearized():
        pooled = _max_pool_same(x)
    assert pooled.shape == (1, 1, 3, 3)
    torch.testing.assert_close(pooled, torch.ones(1, 1, 3, 3))
