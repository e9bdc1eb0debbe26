"""On the real CIFAR ResNet-20 (held out from development) and CIFAR-10 test images: every unit's stored quantile
samples are monotone in their quantile and their activations equal a recomputation on the sample's image."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from precompute.config import PrecomputeConfig
from precompute.hooks import LayerTap
from precompute.images import load_rgb, to_input
from precompute.pipeline import run_precompute
from precompute.zoo import load_model
from store.reader import StoreReader
from tests.conftest import require_shared

LAYERS = ("layer1.2", "layer2.2", "layer3.2", "linear")
IMAGES = 300

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreReader, Path, Path]:
    """A store of ResNet-20's range examples over 300 CIFAR-10 test images, with the weights and image folder."""
    weights = require_shared("weights", "cifar10-resnet20.th")
    images = require_shared("data", "cifar10", "test")
    root = tmp_path_factory.mktemp("resnet20-range")
    config = PrecomputeConfig(
        model="cifar-resnet20",
        store=root,
        weights=weights,
        images=images,
        max_images=IMAGES,
        layers=LAYERS,
        steps=1,
        kinds=("channel",),
        top_k=4,
        colour_scores=False,
        experiments=False,
        progress=False,
    )
    run_precompute(config)
    return StoreReader(root), weights, images


def test_quantile_samples_are_monotone_and_equal_a_recomputation(stored: tuple[StoreReader, Path, Path]) -> None:
    reader, weights, folder = stored
    model = load_model("cifar-resnet20", weights)
    checked = 0
    for layer in LAYERS:
        for unit in range(len(reader.units("cifar-resnet20", layer))):
            detail = reader.unit("cifar-resnet20", layer, unit)
            samples = [e for e in detail.range_examples if e.kind == "quantile"]
            assert [e.quantile for e in samples] == [0.99, 0.9, 0.5]
            values = [e.activation for e in samples]
            assert values == sorted(values, reverse=True), f"{layer}:{unit} quantile samples not monotone"
            assert detail.stats is not None and detail.stats.count == IMAGES
            recomputed = _peaks(model, layer, unit, [folder / e.source for e in samples])
            torch.testing.assert_close(torch.tensor(values), recomputed, rtol=1e-4, atol=1e-5)
            checked += len(samples)
    assert checked == 3 * (16 + 32 + 64 + 10)


def _peaks(model: object, layer: str, unit: int, paths: list[Path]) -> torch.Tensor:
    """The unit's peak (max over positions) on each image, run on its own in a fresh batch."""
    batch = torch.stack([to_input(load_rgb(path), 32) for path in paths])
    with torch.no_grad(), LayerTap(model.module, [layer]) as tap:  # type: ignore[attr-defined]
        act = tap.run(model.input.normalize(batch))[layer][:, unit]  # type: ignore[attr-defined]
    return act if act.dim() == 1 else act.flatten(1).amax(1)
