"""JSON of the API root, the model list and one model."""

from __future__ import annotations

from fastapi.testclient import TestClient

from store.db import format_version


def test_api_root_names_format_version_and_models(client: TestClient) -> None:
    body = client.get("/api/v1").json()
    assert body["format_version"] == format_version()
    assert [m["id"] for m in body["models"]] == ["toy-net"]


def test_model_list_has_counts_and_links(client: TestClient) -> None:
    (model,) = client.get("/api/v1/models").json()
    assert model["layer_count"] == 3
    assert model["url"] == "/models/toy-net"
    assert model["api_url"] == "/api/v1/models/toy-net"


def test_model_json_describes_weights_input_and_classes(client: TestClient) -> None:
    body = client.get("/api/v1/models/toy-net").json()
    assert body["id"] == "toy-net" and body["title"] == "Toy net" and body["architecture"] == "toy"
    assert body["weights_hash"] == "0" * 64
    assert body["input_spec"] == {"size": 8}
    assert body["class_labels"] == ["red", "green", "blue"]


def test_model_json_lists_layers_in_forward_order_with_shapes(client: TestClient) -> None:
    layers = client.get("/api/v1/models/toy-net").json()["layers"]
    assert [(x["name"], x["units"], x["shape"]) for x in layers] == [
        ("conv1", 4, [4, 8, 8]),
        ("block1", 6, [6, 4, 4]),
        ("fc", 3, [3]),
    ]
    assert all(u["thumbnail"].startswith("/assets/") for x in layers for u in x["preview"])


def test_unknown_model_returns_404_naming_models(client: TestClient) -> None:
    response = client.get("/api/v1/models/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "no model 'nope'; models: toy-net"}
