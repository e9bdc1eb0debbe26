"""Colour vs black and white: a unit reading a colour difference scores 0, one reading luminance 1; stages resume."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from torch import nn

from precompute.colour import LUMA, ColourSet, bw_ratios, grayscale, peak_activations, sample_images
from precompute.examples import collect_top_examples
from precompute.images import scan_images
from precompute.layers import LayerInfo, probe_layers
from precompute.pipeline import PrecomputeConfig, run_precompute
from precompute.zoo import load_model
from precompute.zoo.types import InputSpec, LoadedModel
from store.reader import StoreReader
from store.records import score_stage
from store.scores import BW_RATIO
from store.writer import StoreWriter

# Units of the 1×1 colour net: red minus green, luminance, and a dead unit (no positive response anywhere).
RED_MINUS_GREEN, LUMINANCE, DEAD = 0, 1, 2


def _colour_net() -> LoadedModel:
    conv = nn.Conv2d(3, 3, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[1.0, -1.0, 0.0], LUMA, [0.0, 0.0, 0.0]]).view(3, 3, 1, 1))
        conv.bias.copy_(torch.tensor([0.0, 0.0, -1.0]))
    module = nn.Sequential(OrderedDict(conv=conv, relu=nn.ReLU()))
    return LoadedModel("colour-net", "Colour net", "1×1 conv", module, InputSpec(32), [], ["relu"], "0" * 64, 32)


def _layer() -> LayerInfo:
    return LayerInfo("relu", 0, "conv", 3, 32, 32, rf_size=1, rf_stride=1.0, previous=None)


def _ratios(model: LoadedModel, layer: LayerInfo, images: list, top_k: int, sample: int) -> dict[int, float]:
    tops, _ = collect_top_examples(model, [layer], images, top_k=top_k)
    chosen = ColourSet.of([tops[layer.name]], len(images), sample)
    colour = peak_activations(model, [layer], [images[i] for i in chosen.sample], gray=False)
    gray = peak_activations(model, [layer], [images[i] for i in chosen.union], gray=True)
    return bw_ratios(tops[layer.name], colour[layer.name], gray[layer.name], chosen)


def test_grayscale_is_bt601_luma_in_every_channel() -> None:
    batch = torch.rand(2, 3, 4, 4)
    gray = grayscale(batch)
    luma = 0.299 * batch[:, 0] + 0.587 * batch[:, 1] + 0.114 * batch[:, 2]
    for channel in range(3):
        torch.testing.assert_close(gray[:, channel], luma)


def test_sample_is_seeded_distinct_and_all_images_when_fewer() -> None:
    assert sample_images(100, 10) == sample_images(100, 10)
    assert len(set(sample_images(100, 10))) == 10 and all(0 <= i < 100 for i in sample_images(100, 10))
    assert sample_images(5, 10) == [0, 1, 2, 3, 4]
    assert sample_images(5, 0) == []


def test_colour_difference_unit_scores_zero_and_luminance_unit_one(tiny_images: Path) -> None:
    ratios = _ratios(_colour_net(), _layer(), scan_images(tiny_images), top_k=4, sample=6)
    assert ratios[RED_MINUS_GREEN] == 0.0  # gray pixels have R = G
    assert ratios[LUMINANCE] == pytest.approx(1.0, abs=1e-5)  # gray(x) has x's own luma


def test_a_unit_that_never_responds_gets_no_score(tiny_images: Path) -> None:
    ratios = _ratios(_colour_net(), _layer(), scan_images(tiny_images), top_k=4, sample=6)
    assert DEAD not in ratios


def test_ratio_sums_each_image_of_top_k_and_sample_once(tiny_images: Path, random_resnet20: Path) -> None:
    model = load_model("cifar-resnet20", random_resnet20)
    layers = [layer for layer in probe_layers(model) if layer.name in ("layer1.0", "linear")]
    images = scan_images(tiny_images)
    tops, _ = collect_top_examples(model, layers, images, top_k=5)
    chosen = ColourSet.of(list(tops.values()), len(images), 7)
    colour = peak_activations(model, layers, [images[i] for i in chosen.sample], gray=False)
    gray = peak_activations(model, layers, [images[i] for i in chosen.union], gray=True)
    every_colour = peak_activations(model, layers, images, gray=False)  # brute force: every image, both ways
    every_gray = peak_activations(model, layers, images, gray=True)
    for layer in layers:
        ratios = bw_ratios(tops[layer.name], colour[layer.name], gray[layer.name], chosen)
        for unit in range(layer.units):
            members = set(tops[layer.name].images[unit].tolist()) | set(chosen.sample)
            in_colour = sum(max(float(every_colour[layer.name][i, unit]), 0.0) for i in members)
            in_gray = sum(max(float(every_gray[layer.name][i, unit]), 0.0) for i in members)
            if in_colour == 0:
                assert unit not in ratios
            else:
                assert ratios[unit] == pytest.approx(min(in_gray / in_colour, 1.0), rel=1e-4, abs=1e-6)


def test_a_layers_ratios_do_not_depend_on_the_layers_measured_with_it(tiny_images: Path, random_resnet20: Path) -> None:
    # A resumed run measures only the layers it has not stored: the union of top images shrinks, and the sums
    # must come out bit for bit as in the uninterrupted run (a store equals a single run's, tests/precompute/runs).
    model = load_model("cifar-resnet20", random_resnet20)
    layers = [layer for layer in probe_layers(model) if layer.name in ("relu", "layer1.0", "layer2.0", "linear")]
    images = scan_images(tiny_images)
    tops, _ = collect_top_examples(model, layers, images, top_k=4)
    layer = layers[1]

    def ratios(measured: list[LayerInfo]) -> dict[int, float]:
        chosen = ColourSet.of([tops[m.name] for m in measured], len(images), 8)
        colour = peak_activations(model, [layer], [images[i] for i in chosen.sample], gray=False)
        gray = peak_activations(model, [layer], [images[i] for i in chosen.union], gray=True)
        return bw_ratios(tops[layer.name], colour[layer.name], gray[layer.name], chosen)

    alone = ratios([layer])
    assert len(alone) > 0
    assert ratios(layers) == alone
    assert ratios(layers[1:]) == alone


def _config(store: Path, weights: Path, images: Path, **overrides: object) -> PrecomputeConfig:
    base = PrecomputeConfig.preset(
        "tiny",
        model="cifar-resnet20",
        store=store,
        weights=weights,
        images=images,
        layers=("layer1.0", "linear"),
        top_k=3,
        colour_sample=5,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def _scores(store: Path, layer: str) -> dict[int, float]:
    return {
        u.unit: u.scores[BW_RATIO.name]
        for u in StoreReader(store).units("cifar-resnet20", layer)
        if BW_RATIO.name in u.scores
    }


def test_precompute_stores_bw_ratio_and_a_rerun_skips_it(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    first = run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    assert first.score_layers == ["layer1.0", "linear"]
    stored = _scores(tmp_path, "layer1.0")
    assert stored and all(0.0 <= value <= 1.0 for value in stored.values())
    with StoreWriter(tmp_path) as writer:
        settings = writer.reader.stage_settings("cifar-resnet20", "layer1.0", score_stage("bw_ratio"))
    assert settings is not None and settings["sample"] == 5 and settings["top_k"] == 3
    again = run_precompute(_config(tmp_path, random_resnet20, tiny_images))
    assert again.score_layers == [] and again.examples_layers == []


def test_another_sample_remeasures_only_the_scores_on_the_stored_top_images(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    run_precompute(_config(tmp_path / "fresh", random_resnet20, tiny_images))
    run_precompute(_config(tmp_path / "resumed", random_resnet20, tiny_images, colour_sample=0))
    resumed = run_precompute(_config(tmp_path / "resumed", random_resnet20, tiny_images))
    assert resumed.score_layers == ["layer1.0", "linear"] and resumed.examples_layers == []
    for layer in ("layer1.0", "linear"):  # ranked again, the top images are the stored ones: the same scores
        assert _scores(tmp_path / "resumed", layer) == pytest.approx(_scores(tmp_path / "fresh", layer))


def test_colour_scores_off_stores_none(tmp_path: Path, random_resnet20: Path, tiny_images: Path) -> None:
    summary = run_precompute(_config(tmp_path, random_resnet20, tiny_images, colour_scores=False))
    assert summary.score_layers == [] and _scores(tmp_path, "layer1.0") == {}
