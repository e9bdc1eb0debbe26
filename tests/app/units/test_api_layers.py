"""JSON of a layer: shape, receptive field, neighbours, and every unit."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_layer_json_has_shape_rf_and_neighbours(client: TestClient) -> None:
    body = client.get("/api/v1/models/toy-net/layers/block1").json()
    assert (body["model"], body["name"], body["kind"], body["units"]) == ("toy-net", "block1", "conv", 6)
    assert body["shape"] == [6, 4, 4]
    assert body["rf"] == {"size": 7, "stride": 2.0}
    assert (body["previous"], body["next"]) == ("conv1", "fc")
    assert body["previous_url"] == "/models/toy-net/layers/conv1"
    assert body["next_url"] == "/models/toy-net/layers/fc"


def test_first_and_last_layers_have_no_neighbour_there(client: TestClient) -> None:
    assert client.get("/api/v1/models/toy-net/layers/conv1").json()["previous_url"] is None
    assert client.get("/api/v1/models/toy-net/layers/fc").json()["next_url"] is None


def test_layer_json_lists_every_unit_with_thumbnail(client: TestClient) -> None:
    units = client.get("/api/v1/models/toy-net/layers/block1").json()["unit_list"]
    assert [u["unit"] for u in units] == list(range(6))
    assert units[2]["ref"] == "block1:2"
    assert units[2]["url"] == "/models/toy-net/layers/block1/units/2"
    assert all(u["thumbnail"].startswith("/assets/") for u in units)


def test_classifier_units_are_labelled_with_class_names(client: TestClient) -> None:
    units = client.get("/api/v1/models/toy-net/layers/fc").json()["unit_list"]
    assert [u["label"] for u in units] == ["red", "green", "blue"]


def test_unknown_layer_returns_404_naming_layers(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/layer9")
    assert response.status_code == 404
    assert response.json()["detail"] == "no layer 'layer9' in model 'toy-net'; layers: conv1, block1, fc"
