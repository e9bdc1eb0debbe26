"""The demo's branches as users address them: named as InceptionV1's branch layers, so OpenAI Microscope's
`mixed4b_5x5_0/25` and the reference `mixed4b_5x5:25` land on mixed4b:409 although no branch layer is stored.

The store holds the layers `probe_layers` finds on the bare demo net (no training, no demo run)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from precompute.layers import probe_layers
from precompute.zoo import demo_net
from store.records import ModelRecord
from store.writer import StoreWriter

MODEL = demo_net.MODEL_ID
UNIT_409 = f"/models/{MODEL}/layers/mixed4b/units/409"


def _record() -> ModelRecord:
    return ModelRecord(MODEL, "Demo", "DemoInception()", "0" * 64, {"size": 64}, ["a", "b"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the demo net's layers and units (with their branches), nothing computed."""
    root = tmp_path_factory.mktemp("demo-layers")
    writer = StoreWriter(root)
    writer.put_model(_record())
    writer.put_layers(MODEL, probe_layers(demo_net.bare()))
    writer.close()
    return root


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[TestClient]:
    """A client over that store, not following redirects."""
    with TestClient(create_app(Settings(store=store)), follow_redirects=False) as test_client:
        yield test_client


def test_microscope_url_of_a_5x5_unit_redirects_to_its_unit_of_mixed4b(client: TestClient) -> None:
    response = client.get(f"/models/{MODEL}/mixed4b_5x5_0/25")
    assert (response.status_code, response.headers["location"]) == (301, UNIT_409)
    pool = client.get(f"/models/{MODEL}/mixed3a_pool_reduce_0/0")
    assert pool.headers["location"] == f"/models/{MODEL}/layers/mixed3a/units/112"  # 32 + 64 + 16


def test_a_branch_unit_reference_redirects_to_its_unit_of_mixed4b(client: TestClient) -> None:
    assert client.get(f"/models/{MODEL}/units/mixed4b_5x5:25").headers["location"] == UNIT_409
    assert client.get(f"/api/v1/models/{MODEL}/units/mixed4b_5x5:25").headers["location"] == "/api/v1" + UNIT_409
    beyond = client.get(f"/api/v1/models/{MODEL}/units/mixed4b_5x5:64")
    assert beyond.status_code == 404 and "branch mixed4b_5x5 of mixed4b has units 0–63" in beyond.json()["detail"]


def test_layer_and_unit_json_name_the_branches_as_inceptionv1_does(client: TestClient) -> None:
    layer = client.get(f"/api/v1/models/{MODEL}/layers/mixed4b").json()
    assert [(b["name"], b["first"], b["units"], b["url"]) for b in layer["branches"]] == [
        ("mixed4b_1x1", 0, 160, None),
        ("mixed4b_3x3", 160, 224, None),
        ("mixed4b_5x5", 384, 64, None),
        ("mixed4b_pool_reduce", 448, 64, None),
    ]
    assert client.get("/api/v1" + UNIT_409).json()["branch"] == "mixed4b_5x5"


def test_the_branch_page_of_mixed4b_lists_its_four_branches(client: TestClient) -> None:
    page = client.get(f"/api/v1/models/{MODEL}/layers/mixed4b/branches").json()
    assert [(b["name"], len(b["unit_list"])) for b in page["branches"]] == [
        ("mixed4b_1x1", 160),
        ("mixed4b_3x3", 224),
        ("mixed4b_5x5", 64),
        ("mixed4b_pool_reduce", 64),
    ]
    assert client.get(f"/models/{MODEL}/layers/mixed4b/branches").status_code == 200


def test_a_store_written_with_the_old_branch_names_takes_the_new_ones(tmp_path: Path) -> None:
    layers = probe_layers(demo_net.bare(), ["mixed4b"])
    old = {unit: name.replace("_pool_reduce", ".pool").replace("_", ".b") for unit, name in layers[0].branches.items()}
    assert old[409] == "mixed4b.b5x5"
    writer = StoreWriter(tmp_path)
    writer.put_model(_record())
    writer.put_layers(MODEL, [replace(layers[0], branches=old)])
    writer.put_layers(MODEL, layers)  # what a re-precompute does first
    writer.close()
    with TestClient(create_app(Settings(store=tmp_path))) as client:
        assert client.get("/api/v1" + UNIT_409).json()["branch"] == "mixed4b_5x5"
