"""Search results carry their evidence: each unit found shows its top dataset examples' crops (one query for every
unit of every model), and a score's units that tie on its value are ordered by their absolute response to the
family's stimuli, then by unit number, as the page and the JSON's description say."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.main import create_app
from app.search.present import SCORE_TIES
from app.web.config import Settings
from store.records import (
    DatasetImageRecord,
    EvidenceRecord,
    ExampleRecord,
    LabelSource,
    LayerRecord,
    ModelRecord,
)
from store.writer import StoreWriter
from tests.app.queries import counted
from tests.conftest import build_toy_store, png

SOURCE = LabelSource("hand", "Hand labels", "A. Author", 2020, "https://example.org", "CC-BY 4.0")
TIES_LAYERS = [
    LayerRecord("a", 0, "conv", 4, 4, 4, 3, 1.0, None),
    LayerRecord("b", 1, "conv", 3, 2, 2, 5, 2.0, "a"),
    LayerRecord("c", 2, "conv", 2, 1, 1, 7, 4.0, "b"),
]
RESPONSES = {0: 0.5, 1: 2.0, 2: 1.0, 3: 1.5}  # a's units: best curve stimulus response above the blank one
CROPS = 2  # top examples stored per unit of `a`
ITEM = re.compile(r'<li class="search-hit search-unit">(.*?)</li>', re.S)


def _ties(writer: StoreWriter) -> None:
    """`ties`: every unit of a and b:0–1, c:0 scores curve 1.0; a keeps gated evidence, b and c none."""
    writer.put_model(ModelRecord("ties", "Ties", "toy", "2" * 64, {"size": 8}, ["curve_n", "other"]))
    writer.put_layers("ties", TIES_LAYERS)
    images = [DatasetImageRecord(f"curve_n/{i}.png", "curve_n", 8, 8) for i in range(4)]
    writer.put_dataset_images("ties", images, "/data/ties")
    examples = [
        ExampleRecord(u, r, images[r].source, 5.0 - r, 4, 4, (0, 0, 8, 8), png((200, 40 * u, 90 + 50 * r), 8))
        for u in range(4)
        for r in range(CROPS)
    ]
    writer.put_examples("ties", "a", examples, {"top_k": CROPS})
    writer.put_scores("ties", "a", {"curve": dict.fromkeys(range(4), 1.0)}, {})
    writer.put_scores("ties", "b", {"curve": {0: 1.0, 1: 1.0, 2: 0.5}}, {})
    writer.put_scores("ties", "c", {"curve": {0: 1.0}}, {})
    evidence = [EvidenceRecord(u, "curves", 0.1 + response, 0.1, 6.0, None, True) for u, response in RESPONSES.items()]
    writer.put_score_evidence("ties", "a", evidence)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """toy-net (three top examples a unit) with block1:2 labelled 'Curvy', and `ties`."""
    root = Path(build_toy_store(tmp_path_factory.mktemp("evidence-store")))
    writer = StoreWriter(root)
    writer.put_unit_labels("toy-net", SOURCE, {"block1": {2: "Curvy"}})
    _ties(writer)
    writer.close()
    with TestClient(create_app(Settings(store=root)), follow_redirects=False) as test_client:
        yield test_client


def _hits(client: TestClient, q: str) -> list[dict]:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200
    return response.json()["hits"]


def _stored_crops(client: TestClient, api_url: str) -> list[str]:
    """The unit's top dataset examples' image URLs as its own JSON lists them, best first."""
    examples = client.get(api_url).json()["dataset_examples"]
    return [e["url"] for e in sorted(examples, key=lambda e: e["rank"])]


def test_each_unit_found_carries_its_top_examples_crops_best_first_in_the_json(client: TestClient) -> None:
    units = [h for h in _hits(client, "curv") if h["kind"] == "unit"]
    assert {h["model"] for h in units} == {"toy-net", "ties"}  # a hand label and a score's name: two models
    for hit in units:
        assert hit["examples"] == _stored_crops(client, hit["api_url"])[:6], hit["title"]
    assert len(next(h for h in units if h["title"] == "toy-net/block1:2")["examples"]) == 3
    assert [h["examples"] for h in units if h["title"].startswith("ties/b:")] == [[], [], []]  # none stored
    assert all(h["examples"] == [] for h in _hits(client, "curv") if h["kind"] != "unit")


def test_the_page_shows_each_units_crops_beside_it_linked_to_its_examples(client: TestClient) -> None:
    page = client.get("/search", params={"q": "curv"}).text
    shown = [h for h in _hits(client, "curv") if h["kind"] == "unit"]
    items = ITEM.findall(page)
    assert len(items) == len(shown)
    for item, hit in zip(items, shown, strict=True):
        assert f'href="{hit["url"]}"' in item
        assert re.findall(r'<img src="([^"]+)"', item) == hit["examples"]
        if hit["examples"]:
            assert f'<a class="hit-examples" href="{hit["url"]}#dataset-examples"' in item


def test_the_crops_of_units_of_two_models_cost_one_query(client: TestClient) -> None:
    with counted(client) as page:
        client.get("/api/v1/search", params={"q": "curv"})
    with counted(client) as suggested:
        client.get("/api/v1/search/suggest", params={"q": "curv"})
    crops = [s for s in page if "dataset_examples" in s]
    assert len(crops) == 1 and len(page) == len(suggested) + 1
    assert not [s for s in suggested if "dataset_examples" in s]


def test_a_search_without_units_runs_no_crops_query(client: TestClient) -> None:
    with counted(client) as statements:
        assert [h["kind"] for h in _hits(client, "ties")] == ["model"]
    assert not [s for s in statements if "dataset_examples" in s]


def test_a_scores_tied_units_come_by_their_response_to_the_familys_stimuli_then_by_unit_number(
    client: TestClient,
) -> None:
    scored = [h["title"] for h in _hits(client, "curve") if h["field"] == "score"]
    # a (evidence kept): responses 2.0, 1.5, 1.0, 0.5; then b and c, tied at 1.0 without evidence: unit number first,
    # not store order (which would put b:1 before c:0); then b:2, scoring 0.5
    assert scored == ["ties/a:1", "ties/a:3", "ties/a:2", "ties/a:0", "ties/b:0", "ties/c:0", "ties/b:1", "ties/b:2"]
    page = client.get("/search", params={"q": "curve"}).text
    assert [url for url in re.findall(r'<li class="search-hit search-unit">.*?href="([^"]+)"', page, re.S)] == [
        h["url"] for h in _hits(client, "curve") if h["kind"] == "unit"
    ]


def test_the_page_and_the_json_description_state_how_ties_are_ordered(client: TestClient) -> None:
    assert "absolute response to the family's stimuli" in SCORE_TIES and "unit number" in SCORE_TIES
    said = str(escape(SCORE_TIES))
    assert said in client.get("/search", params={"q": "curve"}).text
    assert said in client.get("/search").text  # the help before a search
    described = client.get("/openapi.json").json()["paths"]["/api/v1/search"]["get"]["description"]
    assert SCORE_TIES in described
