"""The layer grid's sort and filter: GET parameters the page and its JSON share, badges, definitions and 400s.

The toy store's block1 has bw_ratio u/5 for its units 0–5 and weights from conv1 (so SVD components 1–4).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.units.grid import GridQuery, arrange, note, parse_bound, parse_sort
from app.web.config import Settings
from store.reader import StoreReader
from store.records import UnitSummary
from store.scores import BW_RATIO
from tests.app.queries import MAX_QUERIES
from tests.app.queries import count_queries as _queries
from tests.app.stores import build_query_store as _build

LAYER = "/models/toy-net/layers/block1"
API = "/api/v1" + LAYER


def _units(client: TestClient, query: str) -> list[int]:
    return [u["unit"] for u in client.get(f"{API}?{query}").json()["unit_list"]]


def test_layer_json_gives_each_unit_its_scores(client: TestClient) -> None:
    units = client.get(API).json()["unit_list"]
    assert [u["scores"] for u in units] == [{"bw_ratio": u / 5} for u in range(6)]
    assert client.get("/api/v1/models/toy-net/layers/conv1").json()["unit_list"][0]["scores"] == {}


def test_layer_json_defines_the_scores_it_holds(client: TestClient) -> None:
    body = client.get(API).json()
    assert body["score_definitions"] == [
        {
            "name": "bw_ratio",
            "title": BW_RATIO.title,
            "meaning": BW_RATIO.meaning,
            "low": 0.0,
            "high": 1.0,
            "unit": "",
            "digits": 2,
            "short": "B/W",
            "circular": False,
            "weak_below": None,
        }
    ]
    assert client.get("/api/v1/models/toy-net/layers/conv1").json()["score_definitions"] == []


def test_unit_order_is_the_default(client: TestClient) -> None:
    body = client.get(API).json()
    assert [u["unit"] for u in body["unit_list"]] == list(range(6))
    assert body["grid"]["sort"] == "unit" and body["grid"]["shown"] == 6 and body["grid"]["note"] == ""
    assert all(u["sort_value"] is None for u in body["unit_list"])


@pytest.mark.parametrize(
    ("query", "units"),
    [
        ("sort=bw_ratio", [0, 1, 2, 3, 4, 5]),
        ("sort=-bw_ratio", [5, 4, 3, 2, 1, 0]),
        ("sort=-bw_ratio&min_bw=0.3", [5, 4, 3, 2]),
        ("sort=bw_ratio&max_bw=0.3", [0, 1]),
        ("min_bw=0.4&max_bw=0.6", [2, 3]),  # both bounds inclusive, unit order kept
        ("min_bw=0.9&max_bw=0.1", []),
        ("sort=unit&min_bw=&max_bw=", [0, 1, 2, 3, 4, 5]),  # a form's blank fields: no bound
        ("sort=", [0, 1, 2, 3, 4, 5]),
    ],
)
def test_sort_and_filter_by_bw_ratio(client: TestClient, query: str, units: list[int]) -> None:
    assert _units(client, query) == units


def test_sort_by_an_svd_component_orders_by_the_units_coordinates(client: TestClient, toy_store: Path) -> None:
    weights = StoreReader(toy_store).weights("toy-net", "block1")
    assert weights is not None and weights.svd.components == 4
    for k in range(4):
        coordinate = {unit: weights.svd.dst[unit][k] for unit in range(6)}
        body = client.get(f"{API}?sort=-svd{k + 1}").json()
        assert [u["unit"] for u in body["unit_list"]] == sorted(range(6), key=lambda u: -coordinate[u])
        assert [u["sort_value"] for u in body["unit_list"]] == pytest.approx(sorted(coordinate.values())[::-1])
        ascending = client.get(f"{API}?sort=svd{k + 1}").json()["unit_list"]
        assert [u["unit"] for u in ascending] == sorted(range(6), key=lambda u: coordinate[u])


def test_a_component_the_layer_lacks_keeps_unit_order_and_says_why(client: TestClient) -> None:
    body = client.get(f"{API}?sort=svd9").json()
    assert [u["unit"] for u in body["unit_list"]] == list(range(6))
    assert body["grid"]["note"] == "Units in unit order: the weights from conv1 keep 4 SVD components."
    first = client.get("/api/v1/models/toy-net/layers/conv1?sort=svd1").json()["grid"]
    assert first["note"] == "Units in unit order: no weights into this layer are stored."


def test_units_without_a_bw_ratio_are_left_out_by_a_bound(client: TestClient) -> None:
    assert _units(client, "max_bw=1") == list(range(6))
    assert client.get("/api/v1/models/toy-net/layers/conv1?max_bw=1").json()["unit_list"] == []


def test_grid_offers_the_sorts_the_layer_has_each_keeping_the_filter(client: TestClient) -> None:
    grid = client.get(f"{API}?max_bw=0.5").json()["grid"]
    sorts = [s["sort"] for s in grid["sorts"]]
    assert sorts[:3] == ["unit", "bw_ratio", "-bw_ratio"]
    assert sorts[3:] == [f"{sign}svd{k}" for k in range(1, 5) for sign in ("-", "")]
    assert grid["sorts"][2]["url"] == f"{LAYER}?sort=-bw_ratio&max_bw=0.5"
    assert grid["sorts"][0]["url"] == f"{LAYER}?max_bw=0.5"
    assert (grid["url"], grid["api_url"]) == (f"{LAYER}?max_bw=0.5", f"{API}?max_bw=0.5")
    assert [s["sort"] for s in client.get("/api/v1/models/toy-net/layers/conv1").json()["grid"]["sorts"]] == ["unit"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        (
            "sort=sideways",
            "sort: unknown sort 'sideways'; valid: 'unit' (the default), a score (bw_ratio, orientation, ",
        ),
        ("sort=svd0", "sort: unknown sort 'svd0'"),
        ("sort=--bw_ratio", "sort: unknown sort '--bw_ratio'"),
        ("min_bw=abc", "min_bw: expected a number from 0 to 1 (bw_ratio's range), got 'abc'"),
        ("max_bw=1.5", "max_bw: expected a number from 0 to 1 (bw_ratio's range), got '1.5'"),
        ("max_bw=nan", "max_bw: expected a number from 0 to 1"),
    ],
)
def test_bad_sort_or_bound_is_a_400_naming_the_valid_values(client: TestClient, query: str, named: str) -> None:
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(named)
    page = client.get(f"{LAYER}?{query}")
    assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    assert f'href="{LAYER}"' in page.text  # back to every unit in unit order


def test_an_unknown_layer_is_still_a_404_whatever_the_query(client: TestClient) -> None:
    assert client.get("/api/v1/models/toy-net/layers/nope?sort=sideways").status_code == 404


def test_layer_page_shows_badges_and_the_definition(client: TestClient) -> None:
    html = client.get(LAYER).text
    assert '<dt id="score-bw_ratio">' in html and "ITU-R BT.601 luma" in html
    badges = re.findall(r'<span class="badge score score-bw_ratio band-(\w+)" title="([^"]*)">', html)
    assert [band for band, _ in badges] == ["low", "low", "mid", "mid", "high", "high"]
    assert badges[4][1] == "black &amp; white 0.80"
    assert html.count('<span class="visually-hidden">black &amp; white </span>') == 6
    assert '<span class="badge score' not in client.get("/models/toy-net/layers/conv1").text


def test_layer_page_sorted_and_filtered_by_its_address_without_script(client: TestClient) -> None:
    html = client.get(f"{LAYER}?sort=-bw_ratio&min_bw=0.3").text
    order = [int(u) for u in re.findall(r'href="/models/toy-net/layers/block1/units/(\d+)"', html)]
    assert order == [5, 4, 3, 2]
    assert '<form class="grid-controls" action="/models/toy-net/layers/block1" method="get"' in html
    assert '<option value="-bw_ratio" selected>' in html and 'name="min_bw"' in html and 'value="0.3"' in html
    assert "4 of 6 units with black &amp; white ≥ 0.3, by black &amp; white, highest first." in html
    assert f'<link rel="alternate" type="application/json" href="{API}?sort=-bw_ratio&amp;min_bw=0.3">' in html
    assert f'href="{LAYER}?sort=bw_ratio&amp;max_bw=0.3">colour units' in html


def test_layer_page_sorted_by_svd_shows_each_units_coordinate(client: TestClient) -> None:
    html = client.get(f"{LAYER}?sort=-svd1").text
    assert len(re.findall(r'<span class="sort-value mono">SVD1 [+−]\d', html)) == 6


def test_a_sorted_branched_layer_is_one_grid(client: TestClient, tmp_path: Path) -> None:
    root = _build(tmp_path, 1)
    with TestClient(create_app(Settings(store=root))) as big:
        assert 'class="branch-head"' in big.get("/models/big/layers/mixed0").text
        assert 'class="branch-head"' not in big.get("/models/big/layers/mixed0?sort=-unit").text


def test_unit_page_badge_links_the_definition(client: TestClient) -> None:
    html = client.get(f"{LAYER}/units/3").text
    assert f'<a class="badge score score-bw_ratio band-mid" href="{LAYER}#score-bw_ratio"' in html
    assert "black &amp; white 0.60" in html and "what this measures" in html and "ITU-R BT.601 luma" in html
    unit = client.get(f"{API}/units/3").json()
    assert unit["scores"] == {"bw_ratio": 0.6} and unit["score_definitions"][0]["name"] == "bw_ratio"
    assert "badge score" not in client.get("/models/toy-net/layers/conv1/units/0").text


@pytest.mark.parametrize(
    "path",
    [
        "/models/big/layers/mixed2?sort=-svd1&min_bw=0.2",
        "/api/v1/models/big/layers/mixed2?sort=-svd1&min_bw=0.2",
        "/models/big/layers/mixed2_5x5?sort=bw_ratio",
    ],
)
def test_sorted_pages_run_no_more_queries(tmp_path: Path, path: str) -> None:
    with TestClient(create_app(Settings(store=_build(tmp_path, 3)))) as big:
        assert _queries(big, path) <= MAX_QUERIES


def _summary(unit: int, bw: float | None) -> UnitSummary:
    return UnitSummary(unit, None, None, None, scores={} if bw is None else {"bw_ratio": bw})


def test_units_without_a_value_come_last_in_unit_order_either_way() -> None:
    units = [_summary(0, None), _summary(1, 0.5), _summary(2, None), _summary(3, 0.2)]
    assert [u.unit for u, _ in arrange(units, GridQuery("bw_ratio"), None)] == [3, 1, 0, 2]
    assert [u.unit for u, _ in arrange(units, GridQuery("-bw_ratio"), None)] == [1, 3, 0, 2]


def test_ties_keep_unit_order() -> None:
    units = [_summary(2, 0.5), _summary(0, 0.5), _summary(1, 0.1)]
    assert [u.unit for u, _ in arrange(units, GridQuery("-bw_ratio"), None)] == [0, 2, 1]


def test_parsers_accept_blank_as_the_default() -> None:
    assert parse_sort("") == "unit" and parse_sort("-svd12") == "-svd12"
    assert parse_bound("min_bw", "") is None and parse_bound("min_bw", "1e-1") == 0.1


def test_note_counts_the_units_without_a_value() -> None:
    units = [_summary(0, None), _summary(1, 0.5), _summary(2, 0.2)]
    assert note(GridQuery("bw_ratio"), arrange(units, GridQuery("bw_ratio"), None), None) == (
        "1 unit without a bw_ratio comes last, in unit order."
    )
    unmeasured = [_summary(0, None), _summary(1, None)]
    assert note(GridQuery("-bw_ratio"), arrange(unmeasured, GridQuery("-bw_ratio"), None), None) == (
        "Units in unit order: bw_ratio is not measured for these units."
    )


def test_each_tile_carries_one_badge_the_sorted_score_or_black_and_white(client: TestClient) -> None:
    html = client.get(LAYER).text
    grid = html[html.index('<ul class="grid units"') :]
    assert grid.count('class="badge score score-bw_ratio') == 6
    assert grid.count('class="badge score ') == 6
