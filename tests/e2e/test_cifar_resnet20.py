"""End to end on the real CIFAR ResNet-20: precompute through the CLI, then check what the API serves."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.web.config import Settings
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
    # Channel images for all 362 units; 8 units each of layer2.0 and layer3.2 also get neuron, negative and a set of
    # four diverse images, and the 10 logits the same but the neuron image (a logit has no positions).
    assert "362 units" in done.stdout and f"{362 + 16 * 6 + 10 * 5} feature_vis" in done.stdout


def _decoded(client: TestClient, url: str) -> torch.Tensor:
    image = Image.open(io.BytesIO(client.get(url).content)).convert("RGB")
    return to_input(image, image.size[0])


def test_negative_neuron_and_diversity_images_do_what_they_say(client: TestClient) -> None:
    for layer in ("layer2.0", "layer3.2"):
        for unit in range(8):
            data = client.get(f"{API}/layers/{layer}/units/{unit}").json()
            vis = {fv["objective"]: fv for fv in data["feature_vis"]}
            assert list(vis) == ["channel", "neuron", "negative", *(f"diversity:{i}" for i in range(4))]
            dataset_max, channel = data["dataset_examples"][0]["activation"], vis["channel"]["activation"]
            if dataset_max == 0:
                continue  # a dead unit (layer2.0:5): no image of any kind moves it
            # Minimizing the unit leaves it far below the image that maximizes it.
            assert vis["negative"]["activation"] < 0.5 * channel, (layer, unit)
            # The centre neuron alone beats every dataset image; each diverse image keeps most of the channel image's
            # activation while the set's pressure to differ pulls it elsewhere.
            assert vis["neuron"]["activation"] > dataset_max, (layer, unit)
            for i in range(4):
                assert vis[f"diversity:{i}"]["activation"] > 0.6 * channel, (layer, unit, i)
            diverse = [_decoded(client, vis[f"diversity:{i}"]["url"]) for i in range(4)]
            gaps = [(diverse[i] - diverse[j]).abs().mean() for i in range(4) for j in range(i + 1, 4)]
            assert min(gaps) > 0.02, (layer, unit, gaps)  # four different images, not one repeated


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
            settings = vis["settings"]
            side = settings["size"] * settings["oversample"] * settings["upscale"]  # 32 px seen, 128 px stored
            assert image.size == (side, side) == (vis["width"], vis["height"]) and settings["upscale"] == 4
            ratios.append(vis["activation"] / unit["dataset_examples"][0]["activation"])
    assert min(ratios) > 1.2, ratios
