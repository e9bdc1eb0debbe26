"""The branch page of a concatenating layer: units grouped by branch, score histograms and summaries (angles round the
circle), label groups, its JSON twin, the link from the layer page, and the 404 for a layer without branches."""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.branches.present import histogram, label_group, score_bins
from app.main import create_app
from app.web.config import Settings
from store.scores import BW_RATIO
from store.writer import StoreWriter
from tests.app.stores import BRANCH_BW, build_branch_store
from tests.app.stores import BRANCH_MODEL as MODEL


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the branch store, not following redirects."""
    store = build_branch_store(tmp_path_factory.mktemp("branch-store"))
    with TestClient(create_app(Settings(store=store)), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def page(client: TestClient) -> dict:
    """The branch JSON of `mixed`."""
    response = client.get("/api/v1/models/branchy/layers/mixed/branches")
    assert response.status_code == 200, response.text
    return response.json()


def test_branches_json_groups_the_units_by_branch_in_unit_order(page: dict) -> None:
    assert [(b["name"], b["first"], b["units"]) for b in page["branches"]] == [
        ("mixed_1x1", 0, 4),
        ("mixed_5x5", 4, 4),
        ("mixed_pool_reduce", 8, 2),
    ]
    assert [[u["unit"] for u in b["unit_list"]] for b in page["branches"]] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert page["units"] == 10 and page["layer"] == "mixed" and page["model"] == MODEL


def test_each_unit_carries_its_ref_page_thumbnail_and_scores(page: dict) -> None:
    unit = page["branches"][1]["unit_list"][1]
    assert unit["ref"] == "mixed:5" and unit["url"] == "/models/branchy/layers/mixed/units/5"
    assert unit["branch"] == "mixed_5x5" and unit["thumbnail"].startswith("/assets/")
    assert unit["scores"] == {"bw_ratio": 0.15} and unit["label"] == "Dog Heads"
    assert page["branches"][2]["unit_list"][1]["scores"] == {}  # unit 9 was not measured


def test_a_stored_branch_layer_is_linked_and_the_others_are_not(page: dict) -> None:
    links = {b["name"]: (b["layer"], b["url"]) for b in page["branches"]}
    assert links["mixed_5x5"] == ("mixed_5x5", "/models/branchy/layers/mixed_5x5")
    assert links["mixed_1x1"] == (None, None)


def test_scores_are_summarized_per_branch_with_a_histogram_over_the_declared_range(page: dict) -> None:
    assert [(s["name"], s["title"], s["meaning"]) for s in page["scores"]] == [
        ("bw_ratio", BW_RATIO.title, BW_RATIO.meaning)
    ]
    assert page["scores"][0]["bins"] == pytest.approx([i / 10 for i in range(11)])
    one, five, pool = (b["scores"][0] for b in page["branches"])
    assert (one["count"], one["mean"], one["median"], one["min"], one["max"]) == (4, 0.9125, 0.925, 0.8, 1.0)
    assert one["histogram"] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 3]
    assert five["histogram"] == [0, 2, 1, 0, 0, 1, 0, 0, 0, 0] and five["median"] == 0.175
    assert (pool["count"], pool["mean"], pool["histogram"][4]) == (1, 0.45, 1)


def test_label_families_are_counted_per_branch_most_units_first(page: dict) -> None:
    families = [[(f["family"], f["units"]) for f in b["label_families"]] for b in page["branches"]]
    assert families == [
        [("Curves", 2), ("Fur boundary / posture", 1)],
        [("Dog Heads", 2)],
        [("Curves", 1)],
    ]
    assert [b["labelled"] for b in page["branches"]] == [3, 2, 1]
    assert [s["citation"] for s in page["label_sources"]] == ["Author et al. 2020"]


def test_branches_json_links_back_to_its_page_and_the_layer(page: dict) -> None:
    assert page["url"] == "/models/branchy/layers/mixed/branches"
    assert page["api_url"] == "/api/v1/models/branchy/layers/mixed/branches"
    assert page["layer_url"] == "/models/branchy/layers/mixed"


def test_branches_page_shows_each_branch_with_its_grid_plots_and_families(client: TestClient) -> None:
    response = client.get("/models/branchy/layers/mixed/branches")
    assert response.status_code == 200
    html = response.text
    assert '<link rel="alternate" type="application/json" href="/api/v1/models/branchy/layers/mixed/branches">' in html
    assert html.count('<section class="branch"') == 3
    assert html.count('<li class="tile">') == 10
    tiles = html.split('<ul class="grid units"')[1].split("</ul>")[0]
    assert 'class="score"' not in tiles and "black &amp; white 0.9" in tiles  # the numbers in the tooltip only
    numbers = html.split('<details class="branch-numbers">')[1].split("</details>")[0]  # and on demand, per branch
    assert numbers.count("<tr>") == 1 + 4 and "<td>0.913" not in numbers and "<td>0.9</td>" in numbers
    assert 'href="/models/branchy/layers/mixed/units/5"' in html and 'href="/models/branchy/layers/mixed_5x5"' in html
    assert html.count('<svg class="plot histogram"') == 1 + 3  # the branches stacked, then one per branch
    assert BW_RATIO.meaning in html_text.unescape(html) and "Dog Heads" in html and "×2" in html
    assert " style=" not in html  # the CSP forbids inline styles


def test_layer_page_links_to_its_branch_page_only_when_it_has_branches(client: TestClient) -> None:
    assert 'href="/models/branchy/layers/mixed/branches"' in client.get("/models/branchy/layers/mixed").text
    assert "/branches" not in client.get("/models/branchy/layers/conv").text


@pytest.mark.parametrize(
    "path", ["/models/branchy/layers/conv/branches", "/api/v1/models/branchy/layers/conv/branches"]
)
def test_a_layer_without_branches_is_a_404_naming_the_layers_with_branches(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert re.search(
        r"layer 'conv' of model 'branchy' has no branches; layers with branches: mixed\b",
        html_text.unescape(response.text),
    )


def test_an_unknown_layer_is_a_404_naming_the_layers(client: TestClient) -> None:
    response = client.get("/api/v1/models/branchy/layers/nope/branches")
    assert response.status_code == 404 and "conv, mixed_5x5, mixed" in response.json()["detail"]


def test_a_unit_ref_to_an_unstored_branch_redirects_to_its_unit_in_the_layer(client: TestClient) -> None:
    assert client.get("/models/branchy/units/mixed_pool_reduce:1").headers["location"] == (
        "/models/branchy/layers/mixed/units/9"
    )
    assert client.get("/api/v1/models/branchy/units/mixed_1x1:2").headers["location"] == (
        "/api/v1/models/branchy/layers/mixed/units/2"
    )
    assert client.get("/models/branchy/units/mixed_5x5:1").headers["location"] == (
        "/models/branchy/layers/mixed_5x5/units/1"  # a stored branch layer is its own layer
    )
    missing = client.get("/api/v1/models/branchy/units/mixed_pool_reduce:2")
    assert missing.status_code == 404 and "branch mixed_pool_reduce of mixed has units 0–1" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("label", "group"),
    [
        ("Curves", "Curves"),
        ("Fur boundary / posture", "Fur boundary / posture"),  # Early Vision names hold ' / ' themselves
        ("Dog Heads (oriented)", "Dog Heads"),
        ("Curve detector: 45°", "Curve detector"),
        ("High-Low Frequency — early", "High-Low Frequency"),
        ("(odd)", "(odd)"),
    ],
)
def test_a_labels_group_is_the_label_without_its_qualifier(label: str, group: str) -> None:
    assert label_group(label) == group


def test_histogram_counts_values_per_bin_and_clips_outliers_to_the_end_bins() -> None:
    edges = score_bins(BW_RATIO, 4)
    assert edges == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert histogram([0.0, 0.25, 0.3, 0.99, 1.0, 1.5, -0.2], edges) == [2, 2, 0, 3]


# Preferred orientations either side of 0° in the 1×1 branch, and round the circle in the 5×5 one: a plain average
# reads 180° and 175° for them, the circular mean 0° and none (they balance out).
ORIENTATIONS = {0: 350.0, 1: 10.0, 2: 20.0, 3: 340.0, 4: 0.0, 5: 90.0, 6: 180.0, 7: 270.0}


@pytest.fixture(scope="module")
def oriented(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the branch store whose mixed units also hold preferred orientations."""
    store = build_branch_store(tmp_path_factory.mktemp("oriented-branch-store"))
    with StoreWriter(store) as writer:
        writer.put_scores(MODEL, "mixed", {"orientation": ORIENTATIONS}, {})
    with TestClient(create_app(Settings(store=store)), follow_redirects=False) as test_client:
        yield test_client


def test_preferred_orientations_are_averaged_round_the_circle_not_on_a_line(oriented: TestClient) -> None:
    page = oriented.get("/api/v1/models/branchy/layers/mixed/branches").json()
    assert [(s["name"], s["circular"]) for s in page["scores"]] == [("bw_ratio", False), ("orientation", True)]
    one, five, _ = (b["scores"][1] for b in page["branches"])
    angles = np.deg2rad([ORIENTATIONS[u] for u in range(4)])
    expected = np.rad2deg(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())) % 360  # 0°, not 180°
    assert min(one["mean"], 360 - one["mean"]) == pytest.approx(min(expected, 360 - expected), abs=1e-3)
    length = np.hypot(np.sin(angles).mean(), np.cos(angles).mean())
    assert one["spread"] == pytest.approx(np.rad2deg(np.sqrt(-2 * np.log(length))), rel=1e-4)
    assert one["median"] in (350.0, 10.0)  # the angles with the least summed arc to the others
    assert five["count"] == 4 and five["mean"] is None and five["spread"] is None  # no mean direction
    html = html_text.unescape(oriented.get("/models/branchy/layers/mixed/branches").text)
    table = html.split("Branches compared")[1].split("</table>")[0]
    assert "preferred orientation: circular mean ± sd" in table and "circular median" in table
    assert re.search(r"<td>0° <span class=\"muted\">± \d+°</span></td>", table) and "180" not in table


def test_a_linear_scores_spread_is_its_standard_deviation(page: dict) -> None:
    one = page["branches"][0]["scores"][0]
    assert one["spread"] == pytest.approx(np.std([BRANCH_BW[u] for u in range(4)]), rel=1e-5)
