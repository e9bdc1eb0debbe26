"""Experiment stops: a tour stop that shows a stored experiment (its title, its accuracies, linked to its page), whose
claims and placeholders are checked against what the experiment measured on the served store."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse
from store.writer import StoreWriter
from tests.conftest import TOY_MODEL, build_toy_store, toy_experiments

# The rebuild of block1:2 as a curve unit: real 0.95 → removed 0.5 → rebuilt 0.85 on the curve classes, so it wins
# back 0.35 / 0.45 = 78% of the loss; its tuning curve follows the real one at r = 0.95.
ROWS = [("curve_e", 0.9, 0.8, 0.4), ("curve_w", 1.0, 0.9, 0.6), ("line", 1.0, 1.0, 1.0)]
TOUR = """
slug: rebuilt
title: Rebuilt
stops:
  - unit: toy-net/block1:2
    caption: The unit.
  - experiment: toy-net/rebuild:block1:2
    caption: "Rebuilt by hand, it wins back {{ experiment won_back }} of the loss (r = {{ experiment tuning_r }})."
    claims:
      - {experiment: won_back, at_least: 0.75}
      - {experiment: tuning_r, at_least: 0.9}
      - {experiment: family_removed, at_most: 0.6}
"""


def _rebuild() -> dict[str, Any]:
    result = {
        **toy_experiments()[2],
        "classes": [{"name": n, "images": 10, "before": b, "after": a} for n, b, a, _ in ROWS],
    }
    removed = [{"name": n, "images": 10, "before": b, "after": r} for n, b, _, r in ROWS]
    result["rebuild"] = {**result["rebuild"], "removed": {"accuracy": 0.6, "classes": removed}}
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = Path(build_toy_store(tmp_path_factory.mktemp("rebuilt")))
    StoreWriter(root).put_experiments(TOY_MODEL, [*toy_experiments()[:2], _rebuild()], {"version": 1})
    return root


@pytest.fixture
def client(store: Path, book: NotesBook) -> Iterator[TestClient]:
    tours.put(book, parse(TOUR), author="alice")
    with TestClient(create_app(Settings(store=store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _stop(client: TestClient, number: int = 2) -> dict[str, Any]:
    return client.get(urls.path(routes.API_TOUR, slug="rebuilt")).json()["stop_list"][number - 1]


def test_an_experiment_stop_shows_its_experiment_linked_to_its_page(client: TestClient) -> None:
    stop = _stop(client)
    assert (stop["kind"], stop["found"], stop["title"]) == ("experiment", True, toy_experiments()[2]["title"])
    assert stop["url"] == "/models/toy-net/experiments/rebuild:block1:2" and stop["api_url"] == "/api/v1" + stop["url"]
    assert [image["ref"] for image in stop["images"]] == ["block1:2"]  # the units it edits
    shown = stop["experiment"]
    assert (shown["family_before"], shown["family_removed"], shown["family_after"]) == pytest.approx((0.95, 0.5, 0.85))
    assert shown["won_back"] == pytest.approx(0.35 / 0.45) and shown["source_layer"] == "conv1"
    page = html.unescape(client.get(urls.path(routes.TOUR, slug="rebuilt")).text)
    assert "95.0%</strong> with the real units · <strong>50.0%</strong> with them removed" in page
    assert "78% of the loss won back" in page and 'href="/models/toy-net/experiments/rebuild:block1:2"' in page


def test_an_experiment_stops_claims_and_placeholders_are_what_it_measured(client: TestClient) -> None:
    stop = _stop(client)
    assert [(c["status"], c["measured"]) for c in stop["claims"]] == [
        ("holds", "78%"),
        ("holds", "0.95"),
        ("holds", "50.0%"),
    ]
    assert stop["caption_filled"] == "Rebuilt by hand, it wins back 78% of the loss (r = 0.95)."


def test_an_experiment_claim_that_does_not_hold_is_warned_about(client: TestClient, book: NotesBook) -> None:
    tours.put(book, parse(TOUR.replace("won_back, at_least: 0.75", "won_back, at_least: 0.9")), author="alice")
    stop = _stop(client)
    assert stop["failing"] == 1 and stop["claims"][0]["status"] == "fails"
    page = html.unescape(client.get(urls.path(routes.TOUR_PRESENT, slug="rebuilt")).text)
    assert "experiment won_back ≥ 0.9 — measured now: 78%" in re.sub(r"<[^>]+>", "", page)


def test_an_experiment_the_store_did_not_run_is_not_in_this_store(client: TestClient, book: NotesBook) -> None:
    tours.put(book, parse(TOUR.replace("rebuild:block1:2", "rebuild:block1:3")), author="alice")
    stop = _stop(client)
    assert not stop["found"] and "experiment rebuild:block1:3 was not run on toy-net" in stop["missing"]
    assert [c["status"] for c in stop["claims"]] == ["unchecked"] * 3


def test_a_tour_naming_an_experiment_of_a_layer_the_model_lacks_is_refused_422(
    client: TestClient, issued: dict[str, str]
) -> None:
    tour = parse(TOUR.replace("rebuild:block1:2", "rebuild:block9:2")).model_dump(exclude_none=True)
    answer = client.put(
        urls.path(routes.API_TOUR, slug="rebuilt"), json=tour, headers={"Authorization": f"Bearer {issued['alice']}"}
    )
    assert answer.status_code == 422 and "toy-net has no layer 'block9'" in answer.text
    tour["stops"][1]["experiment"] = "toy-net/rebuild:block1:2,9999"
    answer = client.put(
        urls.path(routes.API_TOUR, slug="rebuilt"), json=tour, headers={"Authorization": f"Bearer {issued['alice']}"}
    )
    assert answer.status_code == 422 and "the spec names 9999" in answer.text
    tour["stops"][1]["experiment"] = "toy-net/rebuild:block1:2,1"
    answer = client.put(
        urls.path(routes.API_TOUR, slug="rebuilt"), json=tour, headers={"Authorization": f"Bearer {issued['alice']}"}
    )
    assert answer.status_code == 422 and "write the experiment as its address does: rebuild:block1:1,2" in answer.text
