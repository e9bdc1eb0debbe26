"""JSON of a unit, and unit references that redirect to it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TOY_NEGATIVE_PRE

UNIT = "/api/v1/models/toy-net/layers/block1/units/2"


@pytest.fixture(scope="module")
def unit(client: TestClient) -> dict[str, Any]:
    """The JSON of block1:2."""
    return client.get(UNIT).json()


def test_unit_json_names_the_unit_and_its_canonical_page(unit: dict[str, Any]) -> None:
    assert (unit["model"], unit["layer"], unit["unit"], unit["ref"]) == ("toy-net", "block1", 2, "block1:2")
    assert unit["url"] == "/models/toy-net/layers/block1/units/2"
    assert unit["api_url"] == UNIT


def test_unit_json_has_feature_vis_with_settings(unit: dict[str, Any]) -> None:
    fv = unit["feature_vis"][0]
    assert fv["objective"] == "channel" and fv["description"] == "channel(block1:2)"
    assert fv["activation"] == 7.0 and fv["settings"] == {}
    assert fv["url"].startswith("/assets/") and fv["url"].endswith(".png")


def test_unit_json_lists_every_kind_channel_first_with_diversity_set_indexed(unit: dict[str, Any]) -> None:
    kinds = [(fv["objective"], fv["kind"], fv["index"]) for fv in unit["feature_vis"]]
    assert kinds == [
        ("channel", "channel", 0),
        ("neuron", "neuron", 0),
        ("negative", "negative", 0),
        ("diversity:0", "diversity", 0),
        ("diversity:1", "diversity", 1),
    ]
    assert unit["feature_vis"][2]["description"] == "-channel(block1:[2])"


def test_unit_json_lists_examples_highest_first(unit: dict[str, Any]) -> None:
    activations = [e["activation"] for e in unit["dataset_examples"]]
    assert activations == sorted(activations, reverse=True) == [3.0, 2.0, 1.0]
    first = unit["dataset_examples"][0]
    assert set(first) >= {"url", "activation", "source", "label", "x", "y", "crop"}
    assert first["source"].split("/")[0] == first["label"]
    assert unit["dataset_max_activation"] == 3.0


def test_unit_json_lists_edges_strongest_first_linking_pages(unit: dict[str, Any]) -> None:
    for side, layer in (("inputs", "conv1"), ("outputs", "fc")):
        edges = unit[side]
        weights = [abs(e["weight"]) for e in edges]
        assert weights == sorted(weights, reverse=True)
        assert {e["layer"] for e in edges} == {layer}
        edge = edges[0]
        assert edge["url"] == f"/models/toy-net/layers/{layer}/units/{edge['unit']}"
        assert edge["thumbnail"].startswith("/assets/")
        assert edge["kernel"] == [[0.1, 0.2], [0.3, 0.4]] and edge["kind"] == "expanded"


def test_edges_to_output_units_are_named_by_their_class(unit: dict[str, Any]) -> None:
    assert {edge["ref"]: edge["label"] for edge in unit["outputs"]} == {"fc:0": "red", "fc:1": "green", "fc:2": "blue"}
    assert all(edge["label"] is None for edge in unit["inputs"])  # conv1 units have no hand label


def test_unit_json_links_previous_and_next_units(client: TestClient, unit: dict[str, Any]) -> None:
    assert unit["previous"] == "/models/toy-net/layers/block1/units/1"
    assert unit["next"] == "/models/toy-net/layers/block1/units/3"
    assert client.get("/api/v1/models/toy-net/layers/block1/units/0").json()["previous"] is None
    assert client.get("/api/v1/models/toy-net/layers/block1/units/5").json()["next"] is None


def test_unknown_unit_returns_404_naming_range(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/block1/units/99")
    assert response.status_code == 404
    assert response.json() == {"detail": "unit 99 out of range: block1 has units 0–5"}


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5"])
def test_non_integer_unit_returns_404_saying_so(client: TestClient, bad: str) -> None:
    response = client.get(f"/api/v1/models/toy-net/layers/block1/units/{bad}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"unit must be a non-negative integer, got {bad!r}; block1 has units 0–5"}


def test_ref_redirects_to_canonical_unit_json(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/units/block1:3")
    assert response.status_code == 302
    assert response.headers["location"] == "/api/v1/models/toy-net/layers/block1/units/3"


def test_ref_query_redirects_to_canonical_unit_json(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/units", params={"ref": "fc:1"})
    assert response.headers["location"] == "/api/v1/models/toy-net/layers/fc/units/1"


def test_bad_ref_returns_404_with_format_and_layers(client: TestClient) -> None:
    detail = client.get("/api/v1/models/toy-net/units/block1").json()["detail"]
    assert "expected 'layer:unit'" in detail and "conv1, block1, fc" in detail


def test_ref_to_unknown_layer_or_unit_returns_404_naming_what_exists(client: TestClient) -> None:
    assert "layers: conv1, block1, fc" in client.get("/api/v1/models/toy-net/units/conv9:1").json()["detail"]
    assert "conv1 has units 0–3" in client.get("/api/v1/models/toy-net/units/conv1:4").json()["detail"]


def test_feature_vis_say_what_they_optimized_and_a_negative_image_shows_its_pre_activation(
    client: TestClient,
) -> None:
    unit = client.get(UNIT).json()
    by_key = {fv["key"]: fv for fv in unit["feature_vis"]}
    assert by_key["negative"]["tensor"] == "pre_relu"
    assert by_key["negative"]["activation"] == 0.0 and by_key["negative"]["pre_activation"] == TOY_NEGATIVE_PRE
    assert by_key["channel"]["tensor"] == "output" and by_key["channel"]["pre_activation"] is None  # an older image
    page = client.get(UNIT.replace("/api/v1", "")).text
    assert 'class="pre-activation negative"' in page and "pre-ReLU peak <strong>-1.5</strong>" in page
    assert "before the ReLU" in page
