"""A tour's claims checked against the served store: the tour page, its presentation and its JSON warn on each stop
whose claim no longer holds (with the value measured now), and captions quote the store through placeholders."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import routes, urls
from app.main import create_app
from app.routes import Route
from app.web.config import Settings
from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse

# The toy store's block1:0 has 3 red top examples of 3; block1:2 one of 3 (tests/notes/test_claim_check.py).
TOUR = """
slug: claimed
title: Claimed
stops:
  - unit: toy-net/block1:0
    caption: "A red unit: {{ top_examples red }} of its top examples are red."
    claims:
      - {top_examples: red, at_least: 0.75}
  - unit: toy-net/block1:2
    caption: "Said to be red, but {{ top_examples red }}; bw {{ score bw_ratio }}."
    claims:
      - {top_examples: red, at_least: 0.75}
      - {score: bw_ratio, at_least: 0.3}
      - {score: curve, at_least: 0.5}
"""


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    tours.put(book, parse(TOUR), author="alice")
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def test_the_tour_json_judges_each_claim_on_the_store(client: TestClient) -> None:
    stops = client.get(urls.path(routes.API_TOUR, slug="claimed")).json()["stop_list"]
    assert [s["failing"] for s in stops] == [0, 1]
    assert [(c["status"], c["measured"]) for c in stops[1]["claims"]] == [
        ("fails", "0.33 (1 of 3)"),
        ("holds", "0.40"),
        ("unchecked", "block1:2 has no curve score in this store"),
    ]
    assert stops[1]["claims"][0]["claim"] == "top_examples red ≥ 0.75"


def test_captions_quote_the_store_through_placeholders(client: TestClient) -> None:
    first, second = client.get(urls.path(routes.API_TOUR, slug="claimed")).json()["stop_list"]
    assert first["caption"] == "A red unit: {{ top_examples red }} of its top examples are red."
    assert first["caption_filled"] == "A red unit: 3 of 3 of its top examples are red."
    assert "Said to be red, but 1 of 3; bw 0.40." in second["caption_html"]


@pytest.mark.parametrize("page", [routes.TOUR, routes.TOUR_PRESENT], ids=["page", "presenting"])
def test_a_stop_whose_claim_fails_shows_a_warning_with_the_value_measured_now(client: TestClient, page: Route) -> None:
    text = html.unescape(client.get(urls.path(page, slug="claimed")).text)
    assert text.count('class="warning claim-warning"') == 1  # the second stop only
    warning = re.sub(r"<[^>]+>", "", text.split('class="warning claim-warning"')[1].split("</div>")[0])
    assert "1 claim of this stop no longer holds" in warning
    assert "top_examples red ≥ 0.75" in warning and "measured now: 0.33 (1 of 3)" in warning
    assert "score bw_ratio" not in warning  # a claim that holds is not warned about
    assert text.index("claim-warning") < text.index("Said to be red")  # above the caption


def test_a_tour_whose_claims_all_hold_shows_no_warning(client: TestClient, book: NotesBook) -> None:
    holding = parse(TOUR.replace("at_least: 0.75}\n      - {score: bw", "at_most: 0.5}\n      - {score: bw"))
    tours.put(book, holding, author="alice")
    page = client.get(urls.path(routes.TOUR, slug="claimed")).text
    assert "claim-warning" not in page and "Claims checked against this store: 2 of 3 hold" in page


def test_a_tour_with_an_unknown_placeholder_is_refused_422(client: TestClient, issued: dict[str, str]) -> None:
    tour = parse(TOUR).model_dump(exclude_none=True)
    tour["stops"][0]["caption"] = "{{ scor curve }}"
    answer = client.put(
        urls.path(routes.API_TOUR, slug="claimed"), json=tour, headers={"Authorization": f"Bearer {issued['alice']}"}
    )
    assert answer.status_code == 422 and "unknown placeholder" in answer.text and "{{ score curve }}" in answer.text
