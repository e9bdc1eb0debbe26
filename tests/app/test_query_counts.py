"""Each page is answered in a fixed number of database queries, whatever the model's size (counted by SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from store.records import ModelRecord
from store.writer import StoreWriter
from tests.app.queries import MAX_QUERIES
from tests.app.queries import count_queries as _queries
from tests.app.stores import BIG_UNITS as UNITS
from tests.app.stores import big_layers as _layers
from tests.app.stores import build_query_store as _build

PAGES = {
    "model page": "/models/big",
    "model JSON": "/api/v1/models/big",
    "layer page": "/models/big/layers/mixed2",
    "layer JSON": "/api/v1/models/big/layers/mixed2",
    "branches page": "/models/big/layers/mixed2/branches",
    "branches JSON": "/api/v1/models/big/layers/mixed2/branches",
    "unit page": "/models/big/layers/mixed2/units/3",
    "unit JSON": "/api/v1/models/big/layers/mixed2/units/3",
    "branch unit page": "/models/big/layers/mixed2_5x5/units/3",
    "weights page": "/models/big/layers/mixed2/weights",
    "weights JSON": "/api/v1/models/big/layers/mixed2/weights",
    "index": "/",
    "API root": "/api/v1",
    "family page": "/models/big/layers/mixed2/families/curves",
    "family JSON": "/api/v1/models/big/layers/mixed2/families/curves?top=64",
    "compare page (one model)": "/compare?family=curves",
    "compare JSON (one model)": "/api/v1/compare?family=curves&top=16",
    "search page": "/search?q=curve",
    "search JSON": "/api/v1/search?q=mixed2",
    "search suggestions": "/api/v1/search/suggest?q=mixed",
    "findings page": "/models/big/findings",
    "findings JSON": "/api/v1/models/big/findings",
    "experiments page": "/models/big/experiments",
    "experiments JSON": "/api/v1/models/big/experiments",
}


@pytest.fixture(scope="module", params=[3, 30], ids=["6 layers", "60 layers"])
def sized(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = _build(tmp_path_factory.mktemp(f"big-{request.param}"), request.param)
    with TestClient(create_app(Settings(store=root))) as client:
        yield client


@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_runs_at_most_six_queries_whatever_the_model_size(sized: TestClient, page: str) -> None:
    assert _queries(sized, PAGES[page]) <= MAX_QUERIES


def test_a_units_full_weights_cost_three_queries_and_one_per_layer_they_touch(sized: TestClient) -> None:
    # mixed1:3 reads from mixed0 and feeds mixed2 and its 5x5 branch layer: three layers' labels and thumbnails
    assert _queries(sized, "/api/v1/models/big/layers/mixed1/units/3/weights") == 3 + 3


def test_a_large_model_costs_the_same_queries_as_a_small_one(tmp_path_factory: pytest.TempPathFactory) -> None:
    counts = []
    for main in (3, 30):
        with TestClient(create_app(Settings(store=_build(tmp_path_factory.mktemp("size"), main)))) as client:
            counts.append({page: _queries(client, path) for page, path in PAGES.items()})
    assert counts[0] == counts[1]


def test_the_counted_pages_show_what_they_fetched(sized: TestClient) -> None:
    """The queries are few because they are joined, not because something was left out."""
    model = sized.get("/api/v1/models/big").json()
    assert all(len(layer["preview"]) == 8 and layer["preview"][0]["thumbnail"] for layer in model["layers"])
    unit = sized.get("/api/v1/models/big/layers/mixed1/units/0").json()
    assert unit["label"] == "curve" and unit["label_source"]["citation"] == "Author 2020"
    assert [fv["key"] for fv in unit["feature_vis"]] == ["channel", "negative", "diversity:0", "diversity:1"]
    assert len(unit["dataset_examples"]) == 2 and len(unit["inputs"]) == UNITS and unit["inputs"][0]["thumbnail"]
    assert unit["same_unit"]["ref"] == "mixed1_5x5:0" and len(unit["outputs"]) == UNITS + 8
    branch = sized.get("/api/v1/models/big/layers/mixed1_5x5/units/3").json()
    assert branch["same_unit"]["ref"] == "mixed1:3" and branch["label"] is None
    assert sized.get("/api/v1/models/big/layers/mixed1/units/9").json()["same_unit"] is None  # its branch: unstored


def test_compare_costs_two_queries_and_three_per_model_whatever_its_layers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for main in (3, 30):
        root = _build(tmp_path_factory.mktemp("compare"), main)
        writer = StoreWriter(root)  # a second model, with the same layers and scores
        writer.put_model(ModelRecord("big2", "Big 2", "toy", "1" * 64, {"size": 8}, ["a", "b"]))
        writer.put_layers("big2", _layers(main))
        writer.put_scores("big2", "mixed0", {"curve": {0: 0.5, 1: 0.4}}, {})
        writer.close()
        with TestClient(create_app(Settings(store=root))) as client:
            assert _queries(client, "/compare?family=curves") == 2 + 3 * 2  # models, family members; per model
            page = client.get("/api/v1/compare?family=curves").json()
            assert [len(m["layers"]) for m in page["models"]] == [main, 1]
            assert _queries(client, "/compare?family=curves&models=big2") == 2 + 3
