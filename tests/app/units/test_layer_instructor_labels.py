"""A layer's grid and its JSON show an instructor's label for a unit the store holds no hand label of, marked and
cited as the instructor's (as the unit page cites it); a hand label or an output unit's class name comes first, and
a notes database that cannot be read leaves the grid with its own labels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from notes.book import NotesBook
from tests.app.stores import build_labelled_family_store

NOTES = {  # (layer, unit) of fam-a → the instructor's label
    ("mixed", 1): "Rotated arc",
    ("mixed", 2): "Not shown: mixed:2 has a hand label",
    ("fc", 0): "Not shown: fc:0 is the class x",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The family store, with a hand label on fam-a's mixed:2."""
    return build_labelled_family_store(tmp_path_factory.mktemp("labelled-family-store"))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> NotesBook:
    """alice's and bob's notes labelling NOTES."""
    book = NotesBook(f"sqlite:///{tmp_path_factory.mktemp('layer-notes') / 'notes.sqlite'}")
    for (layer, unit), label in NOTES.items():
        book.put("fam-a", layer, unit, label=label, body="", author="bob" if unit == 2 else "alice")
    return book


@pytest.fixture(scope="module")
def client(store: Path, book: NotesBook) -> Iterator[TestClient]:
    """That store, with those notes."""
    with TestClient(create_app(Settings(store=store, notes_db=book.url))) as test_client:
        yield test_client


def _units(client: TestClient, layer: str) -> dict[int, dict]:
    response = client.get(f"/api/v1/models/fam-a/layers/{layer}")
    assert response.status_code == 200
    return {u["unit"]: u for u in response.json()["unit_list"]}


def test_a_unit_without_a_hand_label_carries_its_instructors_label_as_the_instructors(client: TestClient) -> None:
    units = _units(client, "mixed")
    assert (units[1]["label"], units[1]["label_source"]) == ("Rotated arc", "instructor")
    assert (units[2]["label"], units[2]["label_source"]) == ("Hand curve", "hand")  # the hand label comes first
    assert (units[0]["label"], units[0]["label_source"]) == (None, None)


def test_the_layers_json_cites_the_instructors_whose_labels_it_shows(client: TestClient) -> None:
    sources = {s["key"]: s for s in client.get("/api/v1/models/fam-a/layers/mixed").json()["label_sources"]}
    assert set(sources) == {"hand", "instructor"}
    assert sources["instructor"]["authors"] == "alice"  # bob's label is not shown: mixed:2 has a hand label
    assert sources["instructor"]["url"] == "/notes/history"


def test_an_output_unit_keeps_its_class_name_over_an_instructors_label(client: TestClient) -> None:
    assert (_units(client, "fc")[0]["label"], _units(client, "fc")[0]["label_source"]) == ("x", None)
    assert "instructor" not in {s["key"] for s in client.get("/api/v1/models/fam-a/layers/fc").json()["label_sources"]}


def test_the_layer_grid_marks_an_instructors_label_and_says_whose_it_is(client: TestClient) -> None:
    page = client.get("/models/fam-a/layers/mixed").text
    tiles = re.findall(r'<li class="tile">(.*?)</li>', page, re.S)
    marked = [tile for tile in tiles if "by-instructor" in tile]
    assert len(marked) == 1 and "Rotated arc" in marked[0] and "✎" in marked[0]
    assert "labelled by an instructor" in marked[0] and "(an instructor's label)" in marked[0]  # for screen readers
    assert [tile for tile in tiles if "Hand curve" in tile and "✎" not in tile]
    assert "are instructors' own, from their notes on the units' pages (alice, " in page
    assert 'href="/notes/history"' in page


def test_a_sorted_grid_keeps_the_instructors_label(client: TestClient) -> None:
    units = client.get("/api/v1/models/fam-a/layers/mixed", params={"sort": "-curve"}).json()["unit_list"]
    assert {u["unit"]: u["label"] for u in units}[1] == "Rotated arc"


def test_a_layer_shows_its_hand_labels_when_the_notes_database_cannot_be_read(store: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "notes.sqlite"
    damaged.write_bytes(b"this is not a database " * 400)
    with TestClient(create_app(Settings(store=store, notes_db=f"sqlite:///{damaged}"))) as broken:
        assert _units(broken, "mixed")[2]["label"] == "Hand curve" and _units(broken, "mixed")[1]["label"] is None
        assert broken.get("/models/fam-a/layers/mixed").status_code == 200


def test_a_label_written_later_shows_on_the_layer_at_once(client: TestClient, book: NotesBook) -> None:
    assert _units(client, "mixed")[3]["label"] is None  # answered, and kept by the response cache
    assert "Late arc" not in client.get("/models/fam-a/layers/mixed").text
    book.put("fam-a", "mixed", 3, label="Late arc", body="", author="alice")
    try:
        assert (_units(client, "mixed")[3]["label"], _units(client, "mixed")[3]["label_source"]) == (
            "Late arc",
            "instructor",
        )
        assert "Late arc" in client.get("/models/fam-a/layers/mixed").text
    finally:
        book.delete("fam-a", "mixed", 3, author="alice")
