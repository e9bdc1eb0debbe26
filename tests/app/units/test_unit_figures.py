"""Unit pages show the figures precompute stored, exactly as they would draw them; older stores still serve."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete, update
from sqlalchemy.engine import URL

from app.main import create_app
from app.web.config import Settings
from precompute.figures import figures_stage
from store import schema as t
from store.db import _alembic_config, database_path, format_version
from store.figures import stored
from store.figures.unit import UnitFigures
from store.reader import StoreReader
from store.writer import StoreWriter
from tests.app.queries import counted
from tests.conftest import TOY_LAYERS, TOY_MODEL

UNITS = [f"/models/{TOY_MODEL}/layers/{layer.name}/units/{u}" for layer in TOY_LAYERS for u in range(layer.units)]


def _pages(store: Path) -> dict[str, str]:
    with TestClient(create_app(Settings(store=store))) as client:
        return {path: client.get(path).text for path in UNITS}


def _without_experiments(page: str) -> str:
    """A unit page less its list of the stored experiments that edit the unit, its runs of white space as one."""
    return re.sub(r"\s+", " ", re.sub(r'<section class="unit-experiments".*?</section>', "", page, flags=re.DOTALL))


@pytest.fixture(scope="module")
def drawn(toy_store: Path) -> dict[str, str]:
    """Every unit page of the toy store, which holds no stored figures: each page draws its own."""
    assert StoreReader(toy_store).unit(TOY_MODEL, "block1", 2).figures is None  # type: ignore[union-attr]
    return _pages(toy_store)


@pytest.fixture(scope="module")
def with_figures(toy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the toy store after the figures stage."""
    root = tmp_path_factory.mktemp("figures") / "store"
    shutil.copytree(toy_store, root)
    with StoreWriter(root) as writer:
        figures_stage(writer, TOY_MODEL)
    yield root


def test_pages_with_stored_figures_are_the_pages_that_draw_them(drawn: dict[str, str], with_figures: Path) -> None:
    assert StoreReader(with_figures).unit(TOY_MODEL, "block1", 2).figures is not None  # type: ignore[union-attr]
    assert _pages(with_figures) == drawn
    page = drawn[f"/models/{TOY_MODEL}/layers/block1/units/2"]
    assert 'class="plot plot-polar"' in page and 'class="amap"' in page and 'class="kernel"' in page


def test_a_store_of_the_previous_format_still_serves_its_pages_drawing_the_figures(
    drawn: dict[str, str], with_figures: Path, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    shutil.copytree(with_figures, root)
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    with engine.begin() as connection:  # as a store written by the microscope before figures were stored
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    engine.dispose()
    reader = StoreReader(root)
    assert reader.format_version == format_version() != "0006" and not reader.keeps_figures
    assert not reader.keeps_experiments  # nor experiments: its pages are the same but for what edits their units
    assert {path: _without_experiments(page) for path, page in _pages(root).items()} == {
        path: _without_experiments(page) for path, page in drawn.items()
    }


def test_stored_figures_holding_a_link_are_not_shown_the_page_draws_its_own(
    drawn: dict[str, str], with_figures: Path, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    shutil.copytree(with_figures, root)
    figures = StoreReader(root).unit(TOY_MODEL, "block1", 2).figures  # type: ignore[union-attr]
    assert isinstance(figures, UnitFigures)
    hostile = '<svg><a href="https://example.org/phish"><text>click</text></a></svg>'
    data = stored.pack(UnitFigures(figures.tuning, hostile, figures.amaps, figures.inputs, figures.outputs))  # type: ignore[arg-type]
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    with engine.begin() as connection:
        connection.execute(update(t.StoredFigures).values(figures=data))
    engine.dispose()
    path = f"/models/{TOY_MODEL}/layers/block1/units/2"
    with TestClient(create_app(Settings(store=root))) as client:
        page = client.get(path).text
    assert "example.org" not in page and page == drawn[path]


def test_a_unit_page_with_stored_figures_costs_the_queries_of_one_without(toy_store: Path, with_figures: Path) -> None:
    counts = []
    for store in (toy_store, with_figures):
        with TestClient(create_app(Settings(store=store))) as client, counted(client) as statements:
            assert client.get(f"/models/{TOY_MODEL}/layers/block1/units/2").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6  # the sixth: the model's stored experiments (what edits the unit)


def test_stored_figures_that_miss_a_connection_shown_are_not_used(with_figures: Path, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(with_figures, root)
    before = StoreReader(root).unit(TOY_MODEL, "block1", 2)
    assert before is not None and before.figures is not None and len(before.inputs) == 4
    engine = create_engine(URL.create("sqlite", database=str(database_path(root))))
    with engine.begin() as connection:  # a store changed behind the figures: block1:2 now has one input less
        connection.execute(delete(t.Connection).where(t.Connection.in_rank == 0))
    engine.dispose()
    after = StoreReader(root).unit(TOY_MODEL, "block1", 2)
    assert after is not None and len(after.inputs) == 3 and after.figures is None
    with TestClient(create_app(Settings(store=root))) as client:
        page = client.get(f"/models/{TOY_MODEL}/layers/block1/units/2").text
    inputs = page[page.index("<h2>Inputs</h2>") : page.index("<h2>Outputs</h2>")]
    assert inputs.count('class="kernel"') == 3
