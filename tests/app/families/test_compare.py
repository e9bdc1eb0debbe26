"""Universality: `/compare?family=…&models=…&top=…` lists, for each model, each layer's units that score highest for
a family, with curves and scores; JSON twin, links from the index and the family view, 404s and 400s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from tests.app.stores import TRANSPARENT_UNITS, build_family_store


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the two-model family store."""
    store: Path = build_family_store(tmp_path_factory.mktemp("compare-store"))
    with TestClient(create_app(Settings(store=store)), follow_redirects=False) as test_client:
        yield test_client


def _json(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _units(page: dict) -> dict[str, dict[str, list[int]]]:
    return {
        m["id"]: {layer["name"]: [u["unit"] for u in layer["units"]] for layer in m["layers"]} for m in page["models"]
    }


def test_every_stored_model_shows_its_layers_top_units_highest_score_first(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?family=curves")
    assert _units(page) == {"fam-a": {"conv": [0, 1, 2, 3], "mixed": [0, 1, 2, 3]}, "fam-b": {"block": [2, 4, 0]}}
    assert page["family"] == "curves" and page["score"]["name"] == "curve" and page["top"] == 4
    first = page["models"][0]["layers"][1]["units"][0]
    assert (first["ref"], first["score"], first["rank"], first["orientation"]) == ("mixed:0", 0.9, 1, 200)
    assert first["thumbnail"].startswith("/assets/") and first["curve"]["orientation"][:2] == [0, 30]


def test_units_are_shown_by_their_neuron_picture_where_stored_and_the_page_names_the_kind(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?family=curves")
    mixed = page["models"][0]["layers"][1]["units"]
    assert {u["unit"]: u["picture_kind"] for u in mixed} == {0: "neuron", 1: "channel", 2: "channel", 3: "neuron"}
    assert all(u["picture_kind"] == "channel" for u in page["models"][1]["layers"][0]["units"])
    html = client.get("/compare?family=curves").text
    kinds = re.findall(r'class="picture-kind muted small"[^>]*>([\w, ]+)</span>', html)
    assert len(kinds) == 11 and sorted(k for k in kinds if k != "channel") == ["neuron", "neuron, transparent"]
    assert {u["unit"]: u["picture_transparent"] for u in mixed} == {u: u in TRANSPARENT_UNITS for u in range(4)}
    assert html.count("Pictures marked <strong>transparent</strong>") == 1


def test_each_layer_links_its_family_view_and_says_its_coverage(client: TestClient) -> None:
    mixed = _json(client, "/api/v1/compare?family=curves")["models"][0]["layers"][1]
    assert mixed["family_url"] == "/models/fam-a/layers/mixed/families/curves"
    assert mixed["coverage"]["covers"] == 270  # 20, 110, 200, 290: each 90° from the next, so 360° − 90°


def test_the_family_defaults_to_curves_and_top_limits_each_layer(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?top=1")
    assert page["family"] == "curves" and _units(page) == {
        "fam-a": {"conv": [0], "mixed": [0]},
        "fam-b": {"block": [2]},
    }
    assert page["url"] == "/compare?family=curves&top=1"


def test_models_are_shown_as_named_and_the_links_keep_them(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?family=curves&models=fam-b,fam-a,fam-b")
    assert [m["id"] for m in page["models"]] == ["fam-b", "fam-a"]
    assert page["api_url"] == "/api/v1/compare?family=curves&models=fam-b,fam-a"
    assert [f["url"] for f in page["families"]][1] == "/compare?family=lines&models=fam-b,fam-a"


def test_a_model_without_the_score_is_shown_empty(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?family=colour")
    assert _units(page) == {"fam-a": {}, "fam-b": {}}
    assert "re-run <code>microscope precompute</code>" in client.get("/compare?family=colour").text


def test_an_unknown_model_is_a_404_naming_the_stored_ones(client: TestClient) -> None:
    response = client.get("/api/v1/compare?family=curves&models=fam-a,nope")
    assert response.status_code == 404 and response.json()["detail"].endswith("models: fam-a, fam-b")


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("family=spirals", "families: curves, lines, colour, frequency"),
        ("family=", "unknown family ''"),
        ("top=17", "a whole number from 1 to 16"),
        ("top=x", "a whole number from 1 to 16"),
    ],
)
def test_bad_parameters_are_a_400_saying_what_they_take(client: TestClient, query: str, says: str) -> None:
    response = client.get(f"/api/v1/compare?{query}")
    assert response.status_code == 400 and says in response.json()["detail"]


def test_the_compare_page_shows_each_model_and_is_linked_from_the_index(client: TestClient) -> None:
    html = client.get("/compare?family=curves").text
    assert html.count('class="family-tile') == 11 and html.count("plot-polar-sparkline") == 4
    assert html.count('class="family-tile weak"') == 1  # fam-b's block:0, curve 0.3
    assert 'href="/models/fam-b/layers/block/families/curves"' in html and "Family B" in html
    assert 'href="/compare?family=curves"' in client.get("/").text


def test_compare_says_when_the_store_holds_nothing_to_compare(toy_store: Path) -> None:
    with TestClient(create_app(Settings(store=toy_store))) as alone:
        html = alone.get("/compare?family=curves").text
    assert "No model in this store holds curve scores" in html and "nothing to compare" in html


def test_compare_of_two_models_holding_the_score_says_nothing_of_the_kind(client: TestClient) -> None:
    assert "compare-alone" not in client.get("/compare?family=curves").text
