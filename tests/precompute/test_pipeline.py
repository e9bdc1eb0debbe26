"""The pipeline fills a store, skips stored work on a re-run, and resumes after an interruption."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

import precompute.pipeline as pipeline
from precompute.pipeline import PrecomputeConfig, check_device, run_precompute
from store.integrity import check_store
from store.reader import StoreReader

MODEL = "cifar-resnet20"
LAYERS = ("relu", "layer1.0", "layer2.0", "linear")


def _config(store: Path, weights: Path, images: Path, **overrides: object) -> PrecomputeConfig:
    base = PrecomputeConfig(
        model=MODEL,
        store=store,
        weights=weights,
        images=images,
        layers=LAYERS,
        steps=2,
        top_k=4,
        vis_batch=16,
        progress=False,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def test_precompute_stores_every_view_of_every_unit(tmp_path: Path, random_resnet20: Path, tiny_images: Path) -> None:
    summary = run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    assert summary.layers == list(LAYERS)
    assert summary.rendered_units == 16 + 16 + 32 + 10
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["feature_vis"] == 74
    assert report.counts["dataset_examples"] == 74 * 4
    reader = StoreReader(tmp_path)
    unit = reader.unit(MODEL, "layer2.0", 5)
    assert unit is not None and unit.feature_vis and unit.inputs and unit.outputs
    assert unit.inputs[0].layer == "layer1.0" and unit.outputs[0].layer == "linear"
    assert [e.activation for e in unit.dataset_examples] == sorted(
        (e.activation for e in unit.dataset_examples), reverse=True
    )
    assert unit.feature_vis[0].settings["steps"] == 2


def test_rerun_skips_everything_already_stored(tmp_path: Path, random_resnet20: Path, tiny_images: Path) -> None:
    config = _config(tmp_path, random_resnet20, tiny_images)
    run_precompute(config)
    again = run_precompute(config)
    assert (again.rendered_units, again.examples_layers, again.connection_layers) == (0, [], [])


def test_changed_render_settings_rerender_only_feature_vis(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    again = run_precompute(_config(tmp_path, random_resnet20, tiny_images, steps=3))
    assert again.rendered_units == 74 and again.examples_layers == []
    assert check_store(tmp_path).counts["feature_vis"] == 74


def test_interrupted_run_resumes_and_ends_consistent(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render, calls = pipeline.render, {"n": 0}

    def flaky_render(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the feature-vis stage
        return real_render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "render", flaky_render)
    with pytest.raises(KeyboardInterrupt):
        run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    assert check_store(tmp_path).ok
    monkeypatch.setattr(pipeline, "render", real_render)
    resumed = run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    assert resumed.rendered_units == 74 - 32  # the two batches before the interruption were kept
    assert resumed.examples_layers == [] and resumed.connection_layers == []
    report = check_store(tmp_path)
    assert report.ok and report.counts["feature_vis"] == 74


def test_unknown_layer_names_the_valid_ones(tmp_path: Path, random_resnet20: Path) -> None:
    with pytest.raises(KeyError, match="layer1.0"):
        run_precompute(PrecomputeConfig(MODEL, tmp_path, random_resnet20, layers=("layer9.9",), progress=False))


def test_other_weights_under_the_same_model_id_are_refused(tmp_path: Path, random_resnet20: Path) -> None:
    config = PrecomputeConfig(MODEL, tmp_path, random_resnet20, layers=("relu",), steps=1, progress=False)
    run_precompute(config)
    other = tmp_path / "other.th"
    state = torch.load(random_resnet20, weights_only=True)
    state["state_dict"]["module.linear.bias"] += 1
    torch.save(state, other)
    with pytest.raises(ValueError, match="already holds model"):
        run_precompute(dataclasses.replace(config, weights=other))


def test_unknown_device_lists_valid_choices() -> None:
    with pytest.raises(ValueError, match="cpu, cuda"):
        check_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_fails_with_advice() -> None:
    with pytest.raises(ValueError, match="--device cpu"):
        check_device("cuda")
