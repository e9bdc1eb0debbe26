"""Acceptance for InceptionV1: a precompute with the oracle weights stores what an independent run of inception5h
computes (the oracle's activations), and `4b:409` is served as a 5×5-branch unit labelled "Dog Heads"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.web.config import Settings
from store.db import database_path
from store.integrity import check_store
from tests.conftest import microscope, require_shared

pytestmark = [pytest.mark.shared, pytest.mark.slow]
LAYERS = ("mixed4b_5x5_bottleneck", "mixed4b_5x5", "mixed4b")
IMAGES = 4  # the oracle's image and three others; top-k keeps them all, so every unit stores the oracle's
API = "/api/v1/models/inceptionv1"


@pytest.fixture(scope="module")
def oracle() -> dict[str, np.ndarray]:
    with np.load(require_shared("data", "inceptionv1", "oracle-activations.npz")) as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, oracle: dict[str, np.ndarray]) -> Path:
    """inceptionv1 with the oracle weights on the oracle's image (a lossless PNG of it) and three others."""
    weights = require_shared("data", "inceptionv1", "oracle-weights-fp16.pt")
    labels = require_shared("data", "inceptionv1", "early-vision-labels")
    images = tmp_path_factory.mktemp("images")
    pixels = (oracle["input_01"][0].transpose(1, 2, 0) * 255).round().astype(np.uint8)
    Image.fromarray(pixels).save(images / "oracle.png")
    rng = np.random.default_rng(0)
    for i in range(IMAGES - 1):
        Image.fromarray(rng.integers(0, 256, (180 + 20 * i, 240, 3), dtype=np.uint8)).save(images / f"noise{i}.png")
    root = tmp_path_factory.mktemp("inceptionv1-store")
    done = microscope(
        "precompute",
        *("--model", "inceptionv1", "--weights", str(weights), "--images", str(images)),
        *("--layers", ",".join(LAYERS), "--unit-labels", str(labels), "--top-k", str(IMAGES)),
        *("--steps", "1", "--size", "32", "--kinds", "channel", "--store", str(root), "--no-progress"),
        *("--no-tuning", "--no-cards"),  # nothing here reads them, and InceptionV1's tuning stimuli take minutes
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "labelled 67 units in 1 layers of inceptionv1" in done.stdout, done.stdout
    return root


def _stored_maxima(root: Path, layer: str, source: str) -> dict[int, tuple[float, int, int]]:
    """{unit: (activation, x, y)} of the layer's stored examples of one image, read with plain sqlite3."""
    connection = sqlite3.connect(database_path(root))
    try:
        rows = connection.execute(
            "SELECT u.`index`, e.activation, e.x, e.y FROM dataset_examples e JOIN units u ON u.id = e.unit_id "
            "JOIN layers l ON l.id = u.layer_id JOIN dataset_images i ON i.id = e.image_id "
            "WHERE l.name = ? AND i.source = ?",
            (layer, source),
        ).fetchall()
    finally:
        connection.close()
    return {unit: (activation, x, y) for unit, activation, x, y in rows}


@pytest.mark.parametrize("layer", LAYERS)
def test_stored_activations_equal_the_oracles_independent_run(
    store: Path, oracle: dict[str, np.ndarray], layer: str
) -> None:
    expected = torch.from_numpy(oracle[f"act/{layer}"][0])  # (units, 14, 14)
    stored = _stored_maxima(store, layer, "oracle.png")
    assert sorted(stored) == list(range(expected.shape[0]))
    maxima = expected.flatten(1).amax(dim=1)
    torch.testing.assert_close(torch.tensor([stored[u][0] for u in sorted(stored)]), maxima, rtol=1e-4, atol=1e-4)
    located = 0
    for unit, (_, x, y) in stored.items():  # the crop is centred on the peak (16 px cells of the 224 px image)
        peaks = (expected[unit] == maxima[unit]).nonzero().tolist()
        if maxima[unit] > 0 and len(peaks) == 1:
            assert (x, y) == (16 * peaks[0][1] + 8, 16 * peaks[0][0] + 8)
            located += 1
    assert located > len(stored) // 2


def test_the_5x5_branch_is_joined_to_its_bottleneck_by_the_conv_kernel_itself(store: Path) -> None:
    state = torch.load(require_shared("data", "inceptionv1", "oracle-weights-fp16.pt"), weights_only=True)
    kernel = state["mixed4b_5x5_pre_relu_conv.weight"].float()
    client = TestClient(create_app(Settings(store=store)))
    unit = client.get(f"{API}/layers/mixed4b_5x5/units/25").json()
    assert unit["inputs"] and {e["layer"] for e in unit["inputs"]} == {"mixed4b_5x5_bottleneck"}
    for edge in unit["inputs"]:
        assert edge["kind"] == "direct"
        torch.testing.assert_close(torch.tensor(edge["kernel"]), kernel[25, edge["unit"]], rtol=1e-4, atol=1e-6)


def test_4b_409_is_a_5x5_branch_unit_labelled_dog_heads_with_attribution(store: Path) -> None:
    client = TestClient(create_app(Settings(store=store)))
    response = client.get(f"{API}/units/4b:409", follow_redirects=False)
    assert response.headers["location"] == f"{API}/layers/mixed4b/units/409"
    unit = client.get(response.headers["location"]).json()
    assert (unit["layer"], unit["unit"], unit["branch"], unit["label"]) == ("mixed4b", 409, "mixed4b_5x5", "Dog Heads")
    source = unit["label_source"]
    assert (source["citation"], source["license"]) == ("Olah et al. 2020", "CC-BY 4.0")
    assert source["title"] == "An Overview of Early Vision in InceptionV1"
    assert unit["same_unit"]["ref"] == "mixed4b_5x5:25"  # the same channel: 409 − 384
    branch_unit = client.get(f"{API}/layers/mixed4b_5x5/units/25").json()
    assert branch_unit["label"] == "Dog Heads" and branch_unit["same_unit"]["ref"] == "mixed4b:409"
    page = client.get("/models/inceptionv1/layers/mixed4b/units/409").text
    assert "Dog Heads" in page and "Olah et al. 2020" in page and "CC-BY 4.0" in page


def test_microscope_urls_of_the_unit_and_its_branch_redirect(store: Path) -> None:
    client = TestClient(create_app(Settings(store=store)), follow_redirects=False)
    for path, target in [
        ("/models/inceptionv1/mixed4b_0/409", "/models/inceptionv1/layers/mixed4b/units/409"),
        ("/models/inceptionv1/mixed4b_5x5_0/25", "/models/inceptionv1/layers/mixed4b_5x5/units/25"),
    ]:
        response = client.get(path)
        assert (response.status_code, response.headers["location"]) == (301, target)


def test_store_passes_the_integrity_check(store: Path) -> None:
    report = check_store(store, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["units"] == 24 + 64 + 512 and report.counts["feature_vis"] == 600
