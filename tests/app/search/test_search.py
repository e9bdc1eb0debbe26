"""Site-wide search: the page and its JSON agree, nothing is a 404, results rank exact → prefix → substring,
shorthand refs resolve, the box's suggestions, and a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.search.present import Match, matching
from app.web.config import Settings
from store.records import LabelSource, LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests.app.queries import counted
from tests.conftest import build_toy_store

SOURCE = LabelSource("hand", "Hand labels", "A. Author", 2020, "https://example.org", "CC-BY 4.0")
TOY_LABELS = {"block1": {2: "Curve", 4: "Curves, high-low"}, "conv1": {0: "Small curves"}}
HIT = re.compile(r'<li class="search-hit[^"]*">.*?href="([^"]+)"', re.S)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """toy-net with hand labels; `mini`, an Inception-like model whose mixed4b has a 1×1 branch (units 0–1)."""
    root = Path(build_toy_store(tmp_path_factory.mktemp("search-store")))
    writer = StoreWriter(root)
    writer.put_unit_labels("toy-net", SOURCE, TOY_LABELS)
    writer.put_model(ModelRecord("mini", "Mini inception", "toy", "1" * 64, {"size": 8}, ["curved horn", "dog"]))
    branches = {0: "mixed4b_1x1", 1: "mixed4b_1x1", 2: "mixed4b_pool", 3: "mixed4b_pool"}
    writer.put_layers("mini", [LayerRecord("mixed4b", 0, "conv", 4, 2, 2, 8, 4.0, None, branches)])
    writer.put_unit_labels("mini", SOURCE, {"mixed4b": {3: "Dog snouts"}})
    writer.close()
    with TestClient(create_app(Settings(store=root)), follow_redirects=False) as test_client:
        yield test_client


def _api(client: TestClient, q: str) -> list[dict[str, str]]:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200
    return response.json()["hits"]


@pytest.mark.parametrize("q", ["curve", "CURVES", "mixed4b", "block", "blue", "dog", "toy", "", "no such thing"])
def test_the_page_lists_what_the_json_lists_in_the_same_order(client: TestClient, q: str) -> None:
    page = client.get("/search", params={"q": q})
    assert page.status_code == 200
    assert HIT.findall(page.text) == [hit["url"] for hit in _api(client, q)]


@pytest.mark.parametrize(
    "q", ["", "   ", "%", "_%_", "::", "a/b/c:x", "toy-net/nope:1", "block1:99", "nope/fc:1", "<b>"]
)
def test_no_query_is_a_404(client: TestClient, q: str) -> None:
    assert client.get("/search", params={"q": q}).status_code == 200
    assert client.get("/api/v1/search", params={"q": q}).status_code == 200
    assert client.get("/api/v1/search/suggest", params={"q": q}).status_code == 200


def test_nothing_found_names_examples_that_find_something(client: TestClient) -> None:
    html = client.get("/search", params={"q": "zebra"}).text
    assert "Nothing matches “zebra”" in html and 'href="/search?q=mini"' in html
    examples = client.get("/api/v1/search", params={"q": "zebra"}).json()["examples"]
    assert all(_api(client, example["q"]) for example in examples) and len(examples) >= 3


def test_an_empty_query_explains_what_search_looks_through(client: TestClient) -> None:
    html = client.get("/search").text
    assert "<h1>Search</h1>" in html and "4b:409" in html and 'class="search-examples"' in html


def test_results_rank_exact_then_prefix_then_substring(client: TestClient) -> None:
    hits = _api(client, "curve")
    assert [(h["title"], h["match"], h["field"]) for h in hits] == [
        ("toy-net/block1:2", "exact", "label"),
        ("curved horn", "prefix", "class"),
        ("toy-net/block1:4", "prefix", "label"),
        ("toy-net/conv1:0", "substring", "label"),
    ]
    assert hits[2]["detail"] == "Curves, high-low" and hits[1]["url"] == "/models/mini"


def test_a_hit_captioned_by_a_hand_label_is_not_marked_as_an_instructors(client: TestClient) -> None:
    hits = _api(client, "curve")
    assert [h["label_source"] for h in hits] == ["hand", None, "hand", "hand"]  # the second is a class
    assert "instructor's label</span>" not in client.get("/search", params={"q": "curve"}).text
    assert _api(client, "mini/mixed4b:0")[0]["label_source"] is None  # captioned "unit 0 of mixed4b"


def test_a_class_links_to_its_output_unit_when_the_last_layer_has_one_per_class(client: TestClient) -> None:
    assert [(h["kind"], h["url"]) for h in _api(client, "blue")] == [("class", "/models/toy-net/layers/fc/units/2")]


@pytest.mark.parametrize("q", ["4b:3", "mixed4b:3", "mini/4b:3", "mini@mixed4b:3"])
def test_a_short_ref_is_the_top_result_and_the_page_opens_its_unit(client: TestClient, q: str) -> None:
    top = _api(client, q)[0]
    assert (top["title"], top["match"], top["field"]) == ("mini/mixed4b:3", "exact", "ref")
    assert top["detail"] == "Dog snouts" and top["api_url"] == "/api/v1/models/mini/layers/mixed4b/units/3"
    assert client.get("/search", params={"q": q}).headers["location"] == "/models/mini/layers/mixed4b/units/3"


@pytest.mark.parametrize("q", ["4B:3", "MIXED4B:3", "Mixed4b:3", "mini/4B:3", "MIXED4B_POOL:1"])
def test_a_ref_in_any_case_finds_what_the_lower_case_ref_finds(client: TestClient, q: str) -> None:
    expected = _api(client, q.lower())
    assert expected and _api(client, q) == expected
    assert client.get("/search", params={"q": q}).headers["location"] == "/models/mini/layers/mixed4b/units/3"
    suggested = client.get("/api/v1/search/suggest", params={"q": q}).json()["hits"]
    assert suggested == expected[:8]


@pytest.mark.parametrize("q", ["MIXED4B", "Mixed4b", "4B", "mini/MIXED4B"])
def test_a_layer_name_in_any_case_finds_the_layer_and_its_labelled_units(client: TestClient, q: str) -> None:
    assert [(h["kind"], h["title"], h["match"]) for h in _api(client, q)] == [
        ("layer", "mini/mixed4b", "exact"),
        ("unit", "mini/mixed4b:3", "related"),
    ]
    page = client.get("/search", params={"q": q})
    assert HIT.findall(page.text) == [hit["url"] for hit in _api(client, q)]


def test_a_ref_to_an_unstored_branch_names_its_unit_in_the_concatenated_layer(client: TestClient) -> None:
    assert _api(client, "mixed4b_pool:1")[0]["url"] == "/models/mini/layers/mixed4b/units/3"
    assert not [h for h in _api(client, "mixed4b_pool:2") if h["field"] == "ref"]  # the branch has two units


def test_a_layer_name_lists_the_layer_then_its_labelled_units(client: TestClient) -> None:
    hits = _api(client, "mixed4b")
    assert [(h["kind"], h["title"], h["match"]) for h in hits] == [
        ("layer", "mini/mixed4b", "exact"),
        ("unit", "mini/mixed4b:3", "related"),
    ]
    assert [h["title"] for h in _api(client, "toy-net/block1")][:1] == ["toy-net/block1"]


def test_a_model_id_opens_the_model_and_its_title_finds_it(client: TestClient) -> None:
    assert client.get("/search", params={"q": "mini"}).headers["location"] == "/models/mini"
    assert [(h["kind"], h["field"]) for h in _api(client, "inception")] == [("model", "title")]


def _without_crops(hits: list[dict]) -> list[dict]:
    return [{name: value for name, value in hit.items() if name != "examples"} for hit in hits]


def test_suggestions_are_the_first_eight_results_as_json_without_their_crops(client: TestClient) -> None:
    response = client.get("/api/v1/search/suggest", params={"q": "e"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    suggested = response.json()
    assert suggested["limit"] == 8 and suggested["total"] > 8
    assert all(hit["examples"] == [] for hit in suggested["hits"])
    assert _without_crops(suggested["hits"]) == _without_crops(_api(client, "e")[:8])


@pytest.mark.parametrize("q", ["curve", "mixed4b", "4b:3", "mixed4b_pool:1", "MIXED4B_POOL:1", "4B:3", "", "zebra"])
def test_search_runs_at_most_three_queries_or_four_for_a_familys_name_and_one_more_for_the_units_crops(
    client: TestClient, q: str
) -> None:
    for path in ("/search", "/api/v1/search", "/api/v1/search/suggest"):
        with counted(client) as statements:
            client.get(path, params={"q": q})
        # none would mean the count missed the search; a family's name adds its members per layer; the page and the
        # JSON (not the suggestions) one more: the crops of every unit shown, of every model, in one query
        crops = path != "/api/v1/search/suggest"
        assert 1 <= len(statements) <= (4 if q == "curve" else 3) + crops, (path, q)


@pytest.mark.parametrize(
    ("text", "match"),
    [("Curve", Match.EXACT), ("curves", Match.PREFIX), ("small curve", Match.SUBSTRING), ("line", None)],
)
def test_matching_ignores_case(text: str, match: Match | None) -> None:
    assert matching("cURVE", text) == match


@pytest.fixture(scope="module")
def scored_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Two models whose units hold curve, line and orientation scores (tests/app/stores.py)."""
    from tests.app.stores import build_family_store

    root = build_family_store(tmp_path_factory.mktemp("scored-store"))
    with TestClient(create_app(Settings(store=root)), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize(("q", "match"), [("curve", "exact"), ("CURVES", "exact"), ("curv", "prefix")])
def test_a_scores_name_lists_the_stores_highest_scoring_units_with_their_values(
    scored_client: TestClient, q: str, match: str
) -> None:
    hits = [h for h in _api(scored_client, q) if h["field"] == "score"]
    assert [h["title"] for h in hits[:5]] == [
        "fam-a/mixed:0",
        "fam-b/block:2",
        "fam-a/mixed:1",
        "fam-a/conv:0",
        "fam-a/mixed:2",
    ]
    assert {(h["kind"], h["match"]) for h in hits} == {("unit", match)}
    assert hits[0]["detail"] == "curve 0.90 · unit 0 of mixed"
    assert hits[0]["url"] == "/models/fam-a/layers/mixed/units/0"
    page = scored_client.get("/search", params={"q": q}).text
    assert [url for url in HIT.findall(page) if "/units/" in url][:2] == [hits[0]["url"], hits[1]["url"]]


@pytest.mark.parametrize("q", ["cu", "preferred orientation", "lines and curves", "zebra"])
def test_short_prefixes_angles_and_other_text_name_no_score(scored_client: TestClient, q: str) -> None:
    assert not [h for h in _api(scored_client, q) if h["field"] == "score"]


def test_a_familys_name_costs_two_more_queries_at_most_four_and_one_for_its_units_crops(
    scored_client: TestClient,
) -> None:
    with counted(scored_client) as statements:
        assert _api(scored_client, "line")
    assert len(statements) <= 4 + 1


@pytest.mark.parametrize("q", ["curve", "Curves", "curv"])
def test_a_familys_name_offers_its_family_pages_first(scored_client: TestClient, q: str) -> None:
    hits = _api(scored_client, q)
    pages = [h for h in hits if h["kind"] == "family"]
    assert hits[: len(pages)] == pages  # before any unit
    assert [h["url"] for h in pages] == [
        "/models/fam-a/layers/conv/families/curves",  # every layer holding the score, in store order (no evidence
        "/models/fam-a/layers/mixed/families/curves",  # is kept, so every scored unit is a member)
        "/models/fam-b/layers/block/families/curves",
    ]
    assert pages[0]["title"] == "fam-a/conv curves" and pages[0]["api_url"].startswith("/api/v1/models/fam-a/")
    assert all(scored_client.get(h["url"]).status_code == 200 for h in pages)
    html = scored_client.get("/search", params={"q": q}).text
    assert HIT.findall(html)[0] == "/models/fam-a/layers/conv/families/curves"


def test_a_score_that_ranks_no_family_offers_no_family_page(scored_client: TestClient) -> None:
    assert not [h for h in _api(scored_client, "orientation selectivity") if h["kind"] == "family"]


@pytest.mark.parametrize("url", ["/search", "/api/v1/search", "/api/v1/search/suggest"])
def test_a_query_longer_than_the_limit_is_422_naming_it(client: TestClient, url: str) -> None:
    response = client.get(url, params={"q": "curve " * 40})
    assert response.status_code == 422
    assert "a search of 240 characters is over the limit of 200 (MICROSCOPE_LIMIT_SEARCH_CHARS)" in response.text
    assert client.get(url, params={"q": "c" * 200}).status_code in (200, 302)
