"""A unit's page and JSON list the stored experiments that edit it (what happens without it), each linked with its
effect in a line, and link its removal alone when a live experiment worker is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.experiments.present import summary_public
from app.main import create_app
from app.units.experiments import unit_experiments
from app.web.config import Settings
from tests.conftest import toy_experiments

EDITED = "/models/toy-net/layers/block1/units/2"  # removed with block1:1, its negative weights cut, rebuilt
UNEDITED = "/models/toy-net/layers/block1/units/0"
ALONE = "/models/toy-net/experiments/ablate:block1:2"


def test_an_edited_units_json_lists_each_experiment_that_edits_it(client: TestClient) -> None:
    found = client.get("/api/v1" + EDITED).json()["experiments"]
    assert [e["spec"] for e in found] == ["ablate:block1:1,2", "cut-negative:block1:2", "rebuild:block1:2"]
    removal = found[0]
    assert removal["url"] == "/models/toy-net/experiments/ablate:block1:1,2"
    assert removal["api_url"] == "/api/v1" + removal["url"]
    assert (removal["units"], removal["accuracy_before"], removal["accuracy_after"]) == pytest.approx((2, 8 / 9, 6 / 9))
    assert removal["effect"] == "accuracy 88.9% → 66.7%"  # none of the toy's classes is the colour family's


def test_a_rebuild_says_what_it_is_and_how_the_unit_follows_the_real_one(client: TestClient) -> None:
    rebuild = client.get("/api/v1" + EDITED).json()["experiments"][2]
    assert rebuild["effect"].startswith("rebuilt by hand (a·cos(θ − φ)) from 2 units of conv1")
    assert rebuild["tuning_r"] == pytest.approx(0.95)


def test_an_edited_units_page_links_each_experiment_with_its_effect(client: TestClient) -> None:
    html = client.get(EDITED).text
    assert "What happens without it" in html
    assert 'href="/models/toy-net/experiments/ablate:block1:1,2"' in html
    assert 'Remove 2 units of block1 (set to 0)</a>: <span class="experiment-effect">accuracy 88.9% → 66.7%' in html
    assert 'href="/models/toy-net/experiments/rebuild:block1:2"' in html and "r = 0.95" in html
    assert "Remove this unit alone" not in html  # no live worker configured


def test_an_unedited_unit_lists_no_experiment(client: TestClient) -> None:
    assert client.get("/api/v1" + UNEDITED).json()["experiments"] == []
    html = client.get(UNEDITED).text
    assert "What happens without it" not in html and "/experiments/" not in html


def test_the_family_and_other_classes_are_quoted_before_and_after() -> None:
    classes = [("curve_e", 0.9, 0.3), ("curve_w", 1.0, 0.6), ("line", 0.8, 0.8), ("red_green", 1.0, 0.9)]
    result = {
        **toy_experiments()[0],
        "family": "curves",
        "classes": [{"name": n, "images": 10, "before": b, "after": a} for n, b, a in classes],
    }
    (found,) = unit_experiments("m", "block1", 1, [result])
    assert found.effect == "the curve classes 95.0% → 45.0%, the others 90.0% → 85.0%"
    assert unit_experiments("m", "block1", 0, [result]) == []
    assert unit_experiments("m", "block2", 1, [result]) == []  # the same unit number of another layer


def test_a_rebuild_quotes_its_family_real_removed_and_rebuilt() -> None:
    rebuild = toy_experiments()[2]
    rows = [{"name": n, "images": 10, "before": 0.9, "after": a} for n, a in (("curve_e", 0.8), ("line", 0.9))]
    removed = [{**row, "after": 0.5 if row["name"] == "curve_e" else 0.9} for row in rows]
    result = {
        **rebuild,
        "classes": rows,
        "rebuild": {**rebuild["rebuild"], "removed": {"accuracy": 0.7, "classes": removed}},
    }
    (found,) = unit_experiments("m", "block1", 2, [result])
    assert found.effect.endswith("the curve classes 90.0% real, 50.0% removed, 80.0% rebuilt")
    assert found.removed_family_after == pytest.approx(0.5)


def test_a_store_that_keeps_no_experiments_lists_none() -> None:
    assert unit_experiments("m", "block1", 2, None) == []


def test_with_a_live_worker_a_unit_links_its_removal_alone(toy_store: Path) -> None:
    settings = Settings(store=toy_store, probe_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1" + EDITED).json()["remove_alone_url"] == ALONE
        html = client.get(UNEDITED).text
        assert 'href="/models/toy-net/experiments/ablate:block1:0">Remove this unit alone' in html


def test_without_a_worker_no_unit_links_a_live_removal(client: TestClient) -> None:
    assert client.get("/api/v1" + EDITED).json()["remove_alone_url"] is None


def test_the_units_numbers_are_the_experiment_pages_numbers() -> None:
    """app.units groups the classes itself (it may not import app.experiments): the same groups, the same means."""
    curves = [{"name": n, "images": 10, "before": 0.9, "after": a} for n, a in (("curve_e", 0.4), ("line", 0.8))]
    for result in [*toy_experiments(), {**toy_experiments()[0], "family": "curves", "classes": curves}]:
        mine, theirs = unit_experiments("m", "block1", 2, [result])[0], summary_public("m", result)
        family, others = theirs.family_classes, theirs.other_classes
        assert mine.family_classes == (family.classes if family else [])
        assert (mine.family_before, mine.family_after) == ((family.before, family.after) if family else (None, None))
        assert (mine.others_before, mine.others_after) == ((others.before, others.after) if others else (None, None))
        assert (mine.url, mine.api_url) == (theirs.url, theirs.api_url)
