"""Every address the service answered before its URLs were built from route names still answers: one or more literal
paths for each GET route of the table (pages, their JSON twins, cards, downloads, redirects, tours, notes), each a 200
or a redirect that lands on a 200.

The paths are written out as they were spelled, never built by `app.urls`, so that they guard the old spellings
whatever builds the URLs now.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import routes
from app.main import create_app
from app.web.config import Settings
from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse
from tests.app.stores import build_branch_store, build_family_store

TOUR = {
    "slug": "toy",
    "title": "Toy tour",
    "stops": [
        {"unit": "toy-net/conv1:1", "caption": "edges"},
        {"circuit": "toy-net/conv1:0,1;block1:2", "caption": "a circuit"},
    ],
}
SHA256 = "{sha256}"  # stands for the hash of a file the toy store holds (the test reads it from the store)
CIRCUIT = "units=conv1:0,1;block1:2"
# The toy store (with a note on conv1:1 and the tour `toy` beside it): route name → its old URLs.
TOY_URLS: dict[str, tuple[str, ...]] = {
    "index": ("/",),
    "models": ("/models",),  # redirects to the index
    "model": ("/models/toy-net",),
    "layer": ("/models/toy-net/layers/conv1", "/models/toy-net/layers/block1?sort=bw_ratio"),
    "unit": ("/models/toy-net/layers/block1/units/2", "/models/toy-net/layers/conv1/units/01"),  # 01: a 301
    "layer_weights": ("/models/toy-net/layers/block1/weights",),
    "unit_search": ("/models/toy-net/units?ref=fc:1", "/models/toy-net/units?ref=toy-net%40conv1:1"),
    "unit_ref": ("/models/toy-net/units/block1:3", "/models/toy-net/units/toy-net@block1:2"),
    "search": ("/search", "/search?q=block1", "/search?q=toy-net/block1:2"),
    "microscope_unit": ("/models/toy-net/block1_0/2",),  # OpenAI Microscope's spelling: a 301 to the unit
    "circuit": (f"/models/toy-net/circuit?{CIRCUIT}", "/models/toy-net/circuit?units=conv1:0"),
    "findings": ("/models/toy-net/findings",),  # a store without findings says so on a 200
    "probe": ("/models/toy-net/probe", "/models/toy-net/probe?layer=block1"),  # the form, with probing off
    "api_root": ("/api/v1",),
    "api_models": ("/api/v1/models",),
    "api_model": ("/api/v1/models/toy-net",),
    "api_layer": ("/api/v1/models/toy-net/layers/conv1", "/api/v1/models/toy-net/layers/block1?sort=bw_ratio"),
    "api_unit": ("/api/v1/models/toy-net/layers/block1/units/2",),
    "api_layer_weights": ("/api/v1/models/toy-net/layers/block1/weights",),
    "api_unit_weights": ("/api/v1/models/toy-net/layers/block1/units/2/weights",),
    "api_layer_units_jsonl": ("/api/v1/models/toy-net/layers/block1/units.jsonl",),
    "api_layer_units_parquet": ("/api/v1/models/toy-net/layers/fc/units.parquet",),
    "api_layer_feature_vis_zip": ("/api/v1/models/toy-net/layers/conv1/feature-vis.zip",),
    "api_unit_search": ("/api/v1/models/toy-net/units?ref=fc:1",),
    "api_unit_ref": ("/api/v1/models/toy-net/units/block1:3", "/api/v1/models/toy-net/units/toy-net@conv1:1"),
    "api_search": ("/api/v1/search?q=block1",),
    "api_search_suggest": ("/api/v1/search/suggest?q=b",),
    "api_circuit": (f"/api/v1/models/toy-net/circuit?{CIRCUIT}",),
    "api_findings": ("/api/v1/models/toy-net/findings",),
    "api_probe": ("/api/v1/models/toy-net/probe",),
    "model_card": ("/models/toy-net/card.png",),
    "layer_card": ("/models/toy-net/layers/conv1/card.png",),
    "unit_card": ("/models/toy-net/layers/block1/units/2/card.png",),
    "circuit_card": (f"/models/toy-net/circuit/card.png?{CIRCUIT}",),
    "layer_thumbnails": ("/models/toy-net/layers/block1/thumbnails.webp",),
    "experiments": ("/models/toy-net/experiments",),
    "experiment": ("/models/toy-net/experiments/ablate:block1:1,2", "/models/toy-net/experiments/ablate:block1:2,1"),
    "api_experiments": ("/api/v1/models/toy-net/experiments",),
    "api_experiment": ("/api/v1/models/toy-net/experiments/cut-negative:block1:2",),
    "api_unit_note": ("/api/v1/models/toy-net/layers/conv1/units/1/note",),
    "notes_history": ("/notes/history",),
    "api_notes_history": ("/api/v1/notes/history",),
    "unit_note_history": ("/models/toy-net/layers/conv1/units/1/note/history",),
    "api_unit_note_history": ("/api/v1/models/toy-net/layers/conv1/units/1/note/history",),
    "instructor": ("/instructor", "/instructor?next=/tours"),
    "tours": ("/tours",),
    "tour": ("/tours/toy",),
    "tour_present": ("/tours/toy/present",),
    "tour_edit": ("/tours/toy/edit", "/tours/new-tour/edit"),
    "tour_history": ("/tours/toy/history",),
    "api_tours": ("/api/v1/tours",),
    "api_tour": ("/api/v1/tours/toy",),
    "api_tour_history": ("/api/v1/tours/toy/history",),
    "asset": (f"/assets/{SHA256}.png",),
    "static": ("/static/style.css", "/static/microscope.js"),
}
# The toy store has no concatenating layer: branches are walked on tests.app.stores' branch store.
BRANCH_URLS: dict[str, tuple[str, ...]] = {
    "branches": ("/models/branchy/layers/mixed/branches",),
    "api_branches": ("/api/v1/models/branchy/layers/mixed/branches",),
}
# The toy store has no family scores: families are walked on tests.app.stores' family store.
FAMILY_URLS: dict[str, tuple[str, ...]] = {
    "family": ("/models/fam-a/layers/mixed/families/curves", "/models/fam-a/layers/mixed/families/curves?top=8"),
    "api_family": ("/api/v1/models/fam-a/layers/mixed/families/lines",),
    "compare": ("/compare?family=curves", "/compare?family=curves&models=fam-a,fam-b&top=3"),
    "api_compare": ("/api/v1/compare?family=curves&models=fam-b,fam-a",),
}
URLS = {"toy": TOY_URLS, "branch": BRANCH_URLS, "family": FAMILY_URLS}
# Routes no GET reaches: forms post to them (a GET is a 405, as it always was).
POST_ONLY = {"unit_note", "instructor_logout", "tour_delete"}
FORM_TARGETS = ("/models/toy-net/layers/conv1/units/1/note", "/tours/toy/delete", "/instructor/logout")
DOCS = {"openapi", "swagger_ui_html", "swagger_ui_files"}  # FastAPI's schema and the API docs, outside the table


def _client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def client(toy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the toy store, with a note on conv1:1 and the tour `toy` in its notes database."""
    book = NotesBook(f"sqlite:///{tmp_path_factory.mktemp('old-urls-notes') / 'notes.sqlite'}")
    book.put("toy-net", "conv1", 1, label="edge", body="An *edge*.", author="alice")
    tours.put(book, parse(json.dumps(TOUR)), author="alice")
    yield from _client(Settings(store=toy_store, notes_db=book.url))


@pytest.fixture(scope="module")
def branch_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the store of a concatenating layer."""
    yield from _client(Settings(store=build_branch_store(tmp_path_factory.mktemp("old-urls-branches"))))


@pytest.fixture(scope="module")
def family_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the two-model family store."""
    yield from _client(Settings(store=build_family_store(tmp_path_factory.mktemp("old-urls-families"))))


@pytest.fixture(scope="module")
def clients(client: TestClient, branch_client: TestClient, family_client: TestClient) -> dict[str, TestClient]:
    """The clients by the store their URLs need."""
    return {"toy": client, "branch": branch_client, "family": family_client}


@pytest.fixture(scope="module")
def sha256(client: TestClient) -> str:
    """The hash of a file the toy store holds: conv1:0's channel image."""
    image = client.get("/api/v1/models/toy-net/layers/conv1/units/0").json()["feature_vis"][0]["url"]
    return image.removeprefix("/assets/").partition(".")[0]


def _answer(client: TestClient, url: str) -> tuple[int, list[str]]:
    """The final status of `url`, following redirects (at most five), and the addresses it went through."""
    seen = [url]
    response = client.get(url)
    while response.is_redirect and len(seen) <= 5:
        seen.append(response.headers["location"])
        response = client.get(seen[-1])
    return response.status_code, seen


def test_every_get_route_of_the_table_has_an_old_url(app_routes: list[Any]) -> None:
    gets = {r.name for r in app_routes if "GET" in (getattr(r, "methods", None) or {"GET"})} - DOCS
    walked = {name for table in URLS.values() for name in table}
    assert walked == gets - POST_ONLY
    assert gets | POST_ONLY <= {r.name for r in routes.ROUTES}


@pytest.mark.parametrize(
    ("store", "url"), [(store, url) for store, table in URLS.items() for urls in table.values() for url in urls]
)
def test_an_old_url_answers_200_or_redirects_to_a_200(
    clients: dict[str, TestClient], sha256: str, store: str, url: str
) -> None:
    status, seen = _answer(clients[store], url.replace(SHA256, sha256))
    assert status == 200, seen


@pytest.mark.parametrize("url", FORM_TARGETS)
def test_a_form_target_answers_a_get_with_405(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 405
