"""Family tiles (a layer's family and /compare) show an instructor's label for a unit the store holds no hand label
of, marked as the instructor's, and their JSON gives it with `label_source` 'instructor'; a hand label comes first,
and a notes database that cannot be read leaves the tiles with their own labels."""

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

FAMILY = "/models/fam-a/layers/mixed/families/curves"
COMPARE = "/compare?family=curves"
TILE = re.compile(r'<li class="family-tile[^"]*">(.*?)</li>', re.S)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The family store, with a hand label on fam-a's mixed:2."""
    return build_labelled_family_store(tmp_path_factory.mktemp("labelled-family-store"))


@pytest.fixture(scope="module")
def client(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """That store, with instructors' labels on fam-a's mixed:0 and mixed:2 and fam-b's block:2."""
    book = NotesBook(f"sqlite:///{tmp_path_factory.mktemp('family-notes') / 'notes.sqlite'}")
    book.put("fam-a", "mixed", 0, label="Rotated arc", body="", author="alice")
    book.put("fam-a", "mixed", 2, label="Not shown: a hand label", body="", author="alice")
    book.put("fam-b", "block", 2, label="Wide arc", body="", author="bob")
    with TestClient(create_app(Settings(store=store, notes_db=book.url))) as test_client:
        yield test_client


def _family_units(client: TestClient) -> dict[str, dict]:
    return {u["ref"]: u for u in client.get("/api/v1" + FAMILY).json()["units"]}


def _compare_units(client: TestClient) -> dict[str, dict]:
    models = client.get("/api/v1" + COMPARE).json()["models"]
    return {f"{m['id']}/{u['ref']}": u for m in models for layer in m["layers"] for u in layer["units"]}


def test_a_family_unit_without_a_hand_label_carries_its_instructors_label(client: TestClient) -> None:
    units = _family_units(client)
    assert (units["mixed:0"]["label"], units["mixed:0"]["label_source"]) == ("Rotated arc", "instructor")
    assert (units["mixed:2"]["label"], units["mixed:2"]["label_source"]) == ("Hand curve", "hand")
    assert (units["mixed:1"]["label"], units["mixed:1"]["label_source"]) == (None, None)


def test_the_family_page_marks_the_instructors_label_on_its_tile(client: TestClient) -> None:
    page = client.get(FAMILY).text
    marked = [tile for tile in TILE.findall(page) if "by-instructor" in tile]
    assert len(marked) == 1 and "Rotated arc" in marked[0] and "✎" in marked[0]
    assert "mixed:0 · Rotated arc (an instructor" in marked[0]  # the picture's title says so too
    assert "Labels marked" in page and "are instructors' own" in page


def test_compare_tiles_carry_each_models_instructors_labels(client: TestClient) -> None:
    units = _compare_units(client)
    assert (units["fam-a/mixed:0"]["label"], units["fam-a/mixed:0"]["label_source"]) == ("Rotated arc", "instructor")
    assert (units["fam-b/block:2"]["label"], units["fam-b/block:2"]["label_source"]) == ("Wide arc", "instructor")
    assert units["fam-a/mixed:2"]["label"] == "Hand curve"
    page = client.get(COMPARE).text
    marked = [tile for tile in TILE.findall(page) if "by-instructor" in tile]
    assert sorted("Wide arc" in tile for tile in marked) == [False, True] and "are instructors' own" in page


def test_the_family_json_describes_an_instructors_label_source(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["FamilyUnitPublic"]
    assert "'instructor'" in schema["properties"]["label_source"]["description"]


def test_family_pages_keep_their_hand_labels_when_the_notes_database_cannot_be_read(
    store: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "notes.sqlite"
    damaged.write_bytes(b"this is not a database " * 400)
    with TestClient(create_app(Settings(store=store, notes_db=f"sqlite:///{damaged}"))) as broken:
        units = _family_units(broken)
        assert units["mixed:2"]["label"] == "Hand curve" and units["mixed:0"]["label"] is None
        assert _compare_units(broken)["fam-b/block:2"]["label"] is None
        assert broken.get(FAMILY).status_code == 200 and broken.get(COMPARE).status_code == 200
