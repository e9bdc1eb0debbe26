"""A model's findings page and its JSON: stored findings shown with their links; stores without them still served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from app.circuit.query import MAX_UNITS
from app.findings.present import NOT_COMPUTED, OLD_FORMAT, link_public
from app.main import create_app
from app.web.config import Settings
from precompute.findings_measure import finding, link
from store.db import _alembic_config, database_path
from store.writer import StoreWriter
from tests.conftest import TOY_MODEL

PAGE, API = f"/models/{TOY_MODEL}/findings", f"/api/v1/models/{TOY_MODEL}/findings"
EQUIVARIANCE = finding(
    "equivariant_weights",
    "Equivariant weights",
    "The summed weight follows cos Δθ.",
    verdict="failed",
    numbers={"r": 0.12, "profile_r": 0.9},
    thresholds={"r": 0.7},
    links=[
        link("weights", "weights block0 → block1", layer="block1"),
        link("unit", "block1:2", layer="block1", unit=2),
    ],
    plot={
        "from": "block0",
        "to": "block1",
        "bins": [
            {"from": -180.0, "to": 0.0, "mean": -0.5, "count": 3},
            {"from": 0.0, "to": 180.0, "mean": 0.25, "count": 4},
        ],
        "points": [[-90.0, -0.5, "block0:0 → block1:2"], [45.0, 0.25, "block0:1 → block1:2"]],
    },
)


@pytest.fixture(scope="module")
def with_findings(toy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the toy store holding one finding."""
    root = tmp_path_factory.mktemp("findings") / "store"
    shutil.copytree(toy_store, root)
    with StoreWriter(root) as writer:
        writer.put_findings(TOY_MODEL, [EQUIVARIANCE], {"version": 1})
    return root


def test_stored_findings_are_shown_with_verdict_numbers_links_and_plot(with_findings: Path) -> None:
    with TestClient(create_app(Settings(store=with_findings))) as client:
        data, page = client.get(API).json(), client.get(PAGE).text
    (found,) = data["findings"]
    assert data["computed"] and data["message"] is None
    assert (found["verdict"], found["numbers"], found["thresholds"]) == (
        "failed",
        {"r": 0.12, "profile_r": 0.9},
        {"r": 0.7},
    )
    assert [link["url"] for link in found["links"]] == [
        f"/models/{TOY_MODEL}/layers/block1/weights",
        f"/models/{TOY_MODEL}/layers/block1/units/2",
    ]
    assert '<span class="verdict">failed</span> · Equivariant weights' in page
    assert 'class="plot plot-bars"' in page and f'href="/models/{TOY_MODEL}/layers/block1/units/2"' in page


def test_the_equivariance_plot_draws_each_pair_and_its_caption_tells_the_two_rs_apart(with_findings: Path) -> None:
    with TestClient(create_app(Settings(store=with_findings))) as client:
        page = client.get(PAGE).text
    figure = page.split('<figure class="finding-plot">')[1].split("</figure>")[0]
    assert figure.count('class="dot"') == 2 and "block0:1 → block1:2: Δθ 45°" in figure
    assert "each pair a dot, the mean of each 180° a bar" in figure
    assert "The bars follow cos Δθ at r = 0.90 (profile r); pair by pair, the weights follow it at r = 0.12" in figure
    assert "the dots' spread about their bar is what lowers it" in figure


def test_the_caption_blames_the_spread_only_when_the_pairs_follow_cos_less_than_the_bars(
    toy_store: Path, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    shutil.copytree(toy_store, root)
    with StoreWriter(root) as writer:
        writer.put_findings(TOY_MODEL, [{**EQUIVARIANCE, "numbers": {"r": 0.95, "profile_r": 0.9}}], {"version": 1})
    with TestClient(create_app(Settings(store=root))) as client:
        figure = client.get(PAGE).text.split('<figure class="finding-plot">')[1].split("</figure>")[0]
    assert "pair by pair, the weights follow it at r = 0.95, the number the check holds to." in figure
    assert "spread" not in figure


def test_a_store_whose_precompute_measured_no_findings_says_so(client: TestClient) -> None:
    data = client.get(API).json()
    assert not data["computed"] and data["findings"] == [] and data["message"] == NOT_COMPUTED
    assert NOT_COMPUTED.split(":")[0] in client.get(PAGE).text


def test_the_model_page_links_its_findings(client: TestClient) -> None:
    assert f'href="{PAGE}"' in client.get(f"/models/{TOY_MODEL}").text


def test_unknown_model_findings_return_404_naming_the_models(client: TestClient) -> None:
    for path in ("/api/v1/models/nope/findings", "/models/nope/findings"):
        answer = client.get(path)
        assert answer.status_code == 404 and TOY_MODEL in answer.text


def test_a_store_of_a_format_before_findings_is_served_saying_they_were_not_computed(
    with_findings: Path, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    shutil.copytree(with_findings, root)
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    with engine.begin() as connection:  # as a store written before findings were kept
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    engine.dispose()
    with TestClient(create_app(Settings(store=root))) as client:
        data = client.get(API).json()
        assert client.get(PAGE).status_code == 200
    assert not data["computed"] and data["message"] == OLD_FORMAT


def test_a_circuit_link_of_more_units_than_a_circuit_takes_keeps_them_spread_round_the_circle() -> None:
    stored = link("circuit", "many", groups=[["block1", list(range(100))]])
    found = link_public(TOY_MODEL, stored)
    assert found is not None and found.url.startswith(f"/models/{TOY_MODEL}/circuit?units=block1:0,1,3,4,6,")
    assert found.url.count(",") == MAX_UNITS - 1
