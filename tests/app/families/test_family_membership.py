"""Families, /compare, search and unit pages list and explain only the units that passed a family's gate, and a
store of the format before the gate is still served, ranked by score with a note."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from app.main import create_app
from app.web.config import Settings
from store.db import _alembic_config, database_path
from store.reader import StoreReader
from store.records import EvidenceRecord
from store.writer import StoreWriter
from tests.app.stores import MIXED_CURVE, build_family_store

FAILING = {0: "a tiny absolute response", 2: "top examples of another class"}  # of fam-a mixed's curve units


def _evidence(unit: int, family: str, passes: bool) -> EvidenceRecord:
    stimulus, share = (0.1 if unit == 0 else 3.0), (0.0 if unit == 2 else 0.75)
    return EvidenceRecord(unit, family, stimulus, 0.05, 4.0, share, passes)


def _gated_store(root: Path) -> Path:
    """The family store with evidence: mixed's curve units all pass but 0 and 2; no conv unit passes."""
    build_family_store(root)
    writer = StoreWriter(root)
    mixed = [_evidence(u, "curves", u not in FAILING) for u in range(10)]
    writer.put_score_evidence("fam-a", "mixed", mixed)
    writer.put_score_evidence("fam-a", "conv", [_evidence(u, "curves", False) for u in range(4)])
    writer.close()
    return root


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _gated_store(tmp_path_factory.mktemp("gated"))


@pytest.fixture(scope="module")
def client(gated: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=gated))) as test_client:
        yield test_client


def _json(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_family_lists_only_the_units_that_passed_its_gate_and_says_how_many(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-a/layers/mixed/families/curves")
    listed = {u["unit"] for u in page["units"]}
    assert listed == set(MIXED_CURVE) - set(FAILING)
    assert page["membership"]["gated"] and page["membership"]["members"] == 8 and page["membership"]["measured"] == 10
    assert page["membership"]["message"].startswith("8 of 10 units of mixed pass: a member's best curve stimulus")
    assert "top 16 examples are curve_e … curve_se images (its 8 classes)" in page["membership"]["message"]
    assert "8 of 10 units of mixed pass" in client.get("/models/fam-a/layers/mixed/families/curves").text


def test_a_layer_where_no_unit_passes_says_so_instead_of_an_empty_grid(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-a/layers/conv/families/curves")
    assert page["units"] == [] and page["membership"]["members"] == 0
    assert page["membership"]["message"].startswith("None of the 4 units of conv passes, so it has no curves family")
    html = client.get("/models/fam-a/layers/conv/families/curves").text
    assert "None of the 4 units of conv passes" in html and 'class="family-row"' not in html


def test_a_layer_without_evidence_is_ranked_by_score_alone_with_a_note(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-b/layers/block/families/curves")
    assert [u["unit"] for u in page["units"]] == [2, 4, 0] and not page["membership"]["gated"]
    assert "ranked by score alone" in page["membership"]["message"]


def test_compare_lists_members_and_says_so_per_layer(client: TestClient) -> None:
    page = _json(client, "/api/v1/compare?family=curves&top=16")
    layers = {layer["name"]: layer for layer in page["models"][0]["layers"]}
    assert {u["unit"] for u in layers["mixed"]["units"]}.isdisjoint(FAILING)
    assert layers["conv"]["units"] == [] and layers["conv"]["membership"]["members"] == 0
    assert "None of the 4 units of conv passes" in client.get("/compare?family=curves").text


def test_search_for_a_family_score_lists_members_and_captions_them(client: TestClient) -> None:
    hits = [h for h in _json(client, "/api/v1/search?q=curve")["hits"] if h["field"] == "score"]
    titles = [h["title"] for h in hits]
    assert "fam-a/mixed:0" not in titles and "fam-a/mixed:2" not in titles and "fam-a/conv:0" not in titles
    assert "fam-a/mixed:1" in titles and "a curves family member" in hits[titles.index("fam-a/mixed:1")]["detail"]


def test_the_unit_json_carries_its_evidence_and_the_page_its_evidence_line(client: TestClient) -> None:
    unit = _json(client, "/api/v1/models/fam-a/layers/mixed/units/0")
    curves = next(f for f in unit["evidence"]["families"] if f["family"] == "curves")
    assert curves["stimulus"] == pytest.approx(0.1) and curves["dataset_peak"] == 4.0 and curves["passes"] is False
    assert curves["stimulus_share"] == pytest.approx(0.025) and curves["blank"] == pytest.approx(0.05)
    assert unit["evidence"]["feature_vis_activation"] == 1.0 and unit["evidence"]["best_stimulus"] == 1.0
    assert unit["evidence"]["blank"] == pytest.approx(0.05)
    assert "(a blank image 0.01×)" in unit["evidence"]["text"] and "member of no family" in unit["evidence"]["text"]
    assert "Evidence:" in client.get("/models/fam-a/layers/mixed/units/0").text


def test_a_store_before_the_gate_is_served_ranked_by_score_with_a_note(gated: Path, tmp_path: Path) -> None:
    root = tmp_path / "old"
    shutil.copytree(gated, root)
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    with engine.begin() as connection:  # as a store written before family evidence was kept
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    engine.dispose()
    assert not StoreReader(root).keeps_evidence
    with TestClient(create_app(Settings(store=root))) as old:
        page = _json(old, "/api/v1/models/fam-a/layers/mixed/families/curves")
        assert {u["unit"] for u in page["units"]} == set(MIXED_CURVE) and not page["membership"]["gated"]
        assert _json(old, "/api/v1/models/fam-a/layers/mixed/units/0")["evidence"]["families"] == []
        assert "ranked by score alone" in old.get("/models/fam-a/layers/mixed/families/curves").text
