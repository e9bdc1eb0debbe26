"""End to end on the real CIFAR ResNet-20: precompute through the CLI, then check what the API serves."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from app.config import Settings
from app.main import create_app
from precompute.hooks import LayerTap
from precompute.images import load_rgb, to_input
from precompute.zoo import load_model
from tests.conftest import E2E_MODEL, microscope, require_shared

pytestmark = [pytest.mark.shared, pytest.mark.slow]
API = f"/api/v1/models/{E2E_MODEL}"


@pytest.fixture(scope="module")
def client(resnet20_store: Path) -> TestClient:
    return TestClient(create_app(Settings(store=resnet20_store)))


def test_store_passes_the_integrity_check(resnet20_store: Path) -> None:
    done = microscope("check", "--store", str(resnet20_store), "--hashes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "362 units" in done.stdout and "362 feature_vis" in done.stdout


def test_class_units_rank_images_of_their_own_class_first(client: TestClient) -> None:
    classes = client.get(API).json()["class_labels"]
    hits = []
    for unit, name in enumerate(classes):
        examples = client.get(f"{API}/layers/linear/units/{unit}").json()["dataset_examples"]
        hits.append(sum(example["label"] == name for example in examples[:8]))
    assert sum(h >= 7 for h in hits) >= 8, dict(zip(classes, hits, strict=True))


def test_stored_activations_equal_a_fresh_recomputation(client: TestClient) -> None:
    model = load_model(E2E_MODEL, require_shared("weights", "cifar10-resnet20.th"))
    images = require_shared("data", "cifar10", "test")
    for layer, unit in [("relu", 3), ("layer1.2", 7), ("layer2.1", 30), ("layer3.2", 50), ("linear", 4)]:
        examples = client.get(f"{API}/layers/{layer}/units/{unit}").json()["dataset_examples"]
        batch = torch.stack([to_input(load_rgb(images / e["source"]), 32) for e in examples])
        with torch.no_grad(), LayerTap(model.module, [layer]) as tap:
            act = tap.run(model.input.normalize(batch))[layer][:, unit]
        fresh = act.flatten(1).amax(dim=1) if act.dim() > 1 else act
        torch.testing.assert_close(fresh, torch.tensor([e["activation"] for e in examples]), rtol=1e-4, atol=1e-4)


def test_feature_vis_images_decode_and_beat_the_dataset_maximum(client: TestClient) -> None:
    ratios = []
    for layer in ("layer3.2", "linear"):
        units = client.get(f"{API}/layers/{layer}").json()["unit_list"]
        for summary in units[:10]:
            unit = client.get(f"{API}/layers/{layer}/units/{summary['unit']}").json()
            vis = unit["feature_vis"][0]
            response = client.get(vis["url"])
            assert response.status_code == 200
            image = Image.open(io.BytesIO(response.content))
            image.load()
            assert image.size == (vis["settings"]["size"], vis["settings"]["size"])
            ratios.append(vis["activation"] / unit["dataset_examples"][0]["activation"])
    assert min(ratios) > 1.2, ratios
