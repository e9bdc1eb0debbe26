"""A family circuit (units that prefer orientations, on both axes): its weights by orientation difference, its axes'
instructors' labels, and its grid on the page without a box that hides rows."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.circuit.angles import DELTA_BIN, MIN_ORIENTED, angle_difference, binned_means
from app.main import create_app
from app.web.config import Settings
from notes.book import NotesBook
from precompute.svd import weight_svd  # numpy only
from store.records import LabelSource, LayerRecord, ModelRecord, WeightsRecord
from store.writer import StoreWriter
from tests.app.queries import counted
from tests.frontend.conftest import running_server

PAGE = "/models/fam/circuit"
EARLY, LATE = 16, 40  # units; early 14 and 15 and late 39 prefer no orientation (selectivity below 0.3)
EARLY_STEP, LATE_STEP = 24.0, 9.0  # degrees between neighbouring units' preferred orientations
ALL = f"early:{','.join(map(str, range(EARLY)))};late:{','.join(map(str, range(LATE)))}"
SOURCE = LabelSource("hand", "Hand labels", "A. Author", 2020, "https://example.org", "CC-BY 4.0")


def _angles(units: int, step: float) -> dict[int, float]:
    return {u: (step * u) % 360.0 for u in range(units)}


def _weights() -> WeightsRecord:
    """W[late, early] = cos(θ_late − θ_early) · a 3 × 3 kernel: weights that rotate with their units."""
    late, early = _angles(LATE, LATE_STEP), _angles(EARLY, EARLY_STEP)
    cosines = np.array([[math.cos(math.radians(late[d] - early[s])) for s in range(EARLY)] for d in range(LATE)])
    kernel = np.array([[0.0, 0.1, 0.0], [0.1, 0.4, 0.1], [0.0, 0.1, 0.0]])
    tensor = (cosines[:, :, None, None] * kernel).astype(np.float16)
    return WeightsRecord("early", "direct", tensor, weight_svd(tensor))


@pytest.fixture(scope="module")
def family_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fam`: early (16 units) → late (40 units), orientations measured, late:5 hand-labelled."""
    root = tmp_path_factory.mktemp("family")
    layers = [
        LayerRecord("early", 0, "conv", EARLY, 8, 8, 3, 1.0, None),
        LayerRecord("late", 1, "conv", LATE, 4, 4, 7, 2.0, "early"),
    ]
    selective = {
        "early": {u: 0.1 if u >= 14 else 0.8 for u in range(EARLY)},
        "late": {u: 0.1 if u == 39 else 0.8 for u in range(LATE)},
    }
    with StoreWriter(root) as writer:
        writer.put_model(ModelRecord("fam", "Family", "toy", "0" * 64, {"size": 8}, []))
        writer.put_layers("fam", layers)
        writer.put_connections("fam", "late", "early", [], {}, weights=_weights())
        for name, units, step in (("early", EARLY, EARLY_STEP), ("late", LATE, LATE_STEP)):
            scores = {"orientation": _angles(units, step), "orientation_selectivity": selective[name]}
            writer.put_scores("fam", name, scores, {"sample": 3})
        writer.put_unit_labels("fam", SOURCE, {"late": {5: "hand-made"}})
    return root


@pytest.fixture(scope="module")
def family_book(tmp_path_factory: pytest.TempPathFactory) -> NotesBook:
    """Notes labelling late:3 and late:5 (which has a hand label already)."""
    book = NotesBook(f"sqlite:///{tmp_path_factory.mktemp('family-notes') / 'notes.sqlite'}")
    book.put("fam", "late", 3, label="left curve", body="", author="alice")
    book.put("fam", "late", 5, label="not shown", body="", author="alice")
    return book


@pytest.fixture(scope="module")
def client(family_store: Path, family_book: NotesBook) -> Iterator[TestClient]:
    settings = Settings(store=family_store, notes_db=family_book.url)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _page(client: TestClient, units: str, **params: str) -> str:
    response = client.get(PAGE, params={"units": units, **params})
    assert response.status_code == 200, response.text
    return response.text


def _plots(page: str) -> list[str]:
    return [part.split("</figure>")[0] for part in page.split('<figure class="score-plot weights-by-angle">')[1:]]


# --- weights by orientation difference ---


def test_angle_differences_wrap_to_half_a_turn_either_way() -> None:
    assert angle_difference(np.array([10.0, 350.0, 180.0]), np.array([350.0, 10.0, 0.0])).tolist() == [20, -20, -180]


def test_the_bins_hold_the_mean_weight_of_each_30_degree_span() -> None:
    bins = binned_means(np.array([-180.0, -170.0, 0.0, 29.9, 30.0, 179.0]), np.array([1.0, 3.0, 5.0, 7.0, -1.0, 4.0]))
    assert len(bins) == 360 / DELTA_BIN and bins[0] == {"from": -180.0, "to": -150.0, "mean": 2.0, "count": 2}
    assert [b["mean"] for b in bins[6:8]] == [6.0, -1.0] and bins[-1]["mean"] == 4.0
    assert bins[1] == {"from": -150.0, "to": -120.0, "mean": None, "count": 0}


def test_an_oriented_family_draws_its_weights_by_orientation_difference(client: TestClient) -> None:
    (plot,) = _plots(_page(client, ALL))
    assert 'aria-label="summed weight early → late by difference of preferred orientation"' in plot
    assert plot.count('class="dot"') == 14 * 39  # each oriented (row, column) pair of the grid, once
    summed = _weights().tensor[2, 1].astype(np.float64).sum()  # late:2 at 18°, early:1 at 24°
    assert f"<title>early:1 → late:2: Δθ -6°, summed weight {summed:.4g}</title>" in plot
    # weights of cos Δθ: the bars next to Δθ 0 are the highest, those at ±180° the lowest
    means = {
        float(low): float(mean) for low, mean in re.findall(r"<title>Δθ (-?\d+)° to -?\d+°: mean weight (\S+) ", plot)
    }
    assert len(means) == 12 and max(means, key=means.__getitem__) in (-30.0, 0.0)
    assert min(means, key=means.__getitem__) in (-180.0, 150.0)


def test_the_plot_counts_only_oriented_units_and_says_so(client: TestClient) -> None:
    (plot,) = _plots(_page(client, ALL))
    caption = plot.split("<figcaption", 1)[1]
    assert "orientation selectivity ≥ 0.3" in caption and "39 × 14 of them" in caption
    assert all(f'<span class="mono">{ref}</span>' in caption for ref in ("early:14", "early:15", "late:39"))


def test_the_plot_takes_every_row_of_the_circuit_not_only_the_pages(client: TestClient) -> None:
    first, second = _page(client, ALL), _page(client, ALL, page="2")  # 40 × 16 kernels are two pages of rows
    assert first.count('class="kernel-cell"') + second.count('class="kernel-cell"') == LATE * EARLY
    assert _plots(first) == _plots(second)


def test_too_few_oriented_units_on_an_axis_draw_no_plot(client: TestClient) -> None:
    few = ",".join(str(u) for u in [*range(MIN_ORIENTED - 1), 14, 15])  # two oriented, two not
    assert _plots(_page(client, f"early:{few};late:0,1,2,3")) == []
    assert _plots(_page(client, "early:0,1,2;late:39,0,1")) == []  # late:39 prefers none: two oriented rows


def test_the_smallest_family_draws_the_plot(client: TestClient) -> None:
    assert len(_plots(_page(client, "early:0,1,2;late:0,1,2"))) == 1


# --- instructors' labels on the axes ---


def test_an_axis_unit_shows_its_instructors_label_where_the_store_has_none(client: TestClient) -> None:
    page = _page(client, "early:0,1,2;late:3,5")
    assert (
        '<span class="axis-label by-instructor"><span class="label-by" aria-hidden="true">✎</span>left curve'
        '<span class="visually-hidden"> (an instructor\'s label)</span></span>'
    ) in page
    assert 'Labels marked <span class="label-by" aria-hidden="true">✎</span> are instructors\' own' in page
    assert 'title="late:3 · left curve (an instructor\'s label)"' in page
    assert '<span class="axis-label">hand-made</span>' in page and "not shown" not in page
    assert "Labels marked" not in _page(client, "early:0,1,2;late:4,5")  # no instructor's label on the axes


def test_the_json_cites_the_instructor_as_the_labels_source(client: TestClient) -> None:
    found = client.get("/api/v1/models/fam/circuit", params={"units": "early:0;late:3,5"}).json()
    late = {u["unit"]: u for u in found["layers"][1]["units"]}
    assert (late[3]["label"], late[3]["label_source"]) == ("left curve", "instructor")
    assert (late[5]["label"], late[5]["label_source"]) == ("hand-made", "hand")


def test_labels_and_plot_cost_the_page_no_store_query_more_than_its_json(family_store: Path) -> None:
    with TestClient(create_app(Settings(store=family_store))) as fresh:
        counts = []
        for path in (PAGE, "/api/v1/models/fam/circuit"):
            with counted(fresh) as statements:
                assert fresh.get(path, params={"units": ALL}).status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 5


# --- the grid on the page: the page scrolls, not the grid ---


@pytest.mark.browser
def test_every_row_of_a_tall_grid_shows_and_a_phone_scrolls_only_the_grid_sideways(
    browser: Any, family_store: Path
) -> None:
    units = f"early:0,1,2,3,4,5;late:{','.join(map(str, range(LATE)))}"  # 40 rows of 6 kernels: one page
    with running_server(family_store) as server:
        for width, height in ((1280, 800), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{server}{PAGE}?units={units}")
            clipped = page.evaluate(
                """() => { const table = document.querySelector('table.circuit-grid'), found = [];
                  for (let box = table.parentElement; box; box = box.parentElement)
                    if (box.clientHeight && box.scrollHeight > box.clientHeight + 1 && box !== document.documentElement
                        && box !== document.body) found.push(box.className);
                  return found; }"""
            )
            assert clipped == [], f"{width} px: rows hidden by a box scrolling vertically: {clipped}"
            rows = page.locator("table.circuit-grid tbody tr")
            assert rows.count() == LATE
            page_width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert page_width[0] <= page_width[1], f"{width} px: the page overflows sideways"
            if width == 1280:  # at a desktop's width the whole grid fits: no sideways scroll either
                box = page.evaluate(
                    "(b => [b.scrollWidth, b.clientWidth])(document.querySelector('.circuit-grid-box'))"
                )
                assert box[0] <= box[1]
            context.close()
