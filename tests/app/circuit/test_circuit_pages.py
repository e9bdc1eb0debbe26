"""A large circuit's grids come a page of rows at a time, each page its own URL; small circuits are one page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.circuit.query import KERNELS_PER_PAGE, MAX_UNITS, CircuitQuery
from app.main import create_app
from app.web.config import Settings
from store.records import LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests.conftest import toy_weights

PAGE = "/models/wide/circuit"
ALL = ",".join(str(u) for u in range(MAX_UNITS))
ROWS = KERNELS_PER_PAGE // MAX_UNITS  # rows a page draws of a grid 64 columns wide
TALL = 3 * ROWS - 2  # the middle layer's units: rows of the first grid, three pages of them


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A model of three layers (64, TALL and 64 units) joined by stored weights."""
    root = tmp_path_factory.mktemp("wide")
    layers = [
        LayerRecord("first", 0, "conv", MAX_UNITS, 4, 4, 3, 1.0, None),
        LayerRecord("middle", 1, "conv", TALL, 4, 4, 5, 1.0, "first"),
        LayerRecord("last", 2, "conv", MAX_UNITS, 4, 4, 7, 1.0, "middle"),
    ]
    with StoreWriter(root) as writer:
        writer.put_model(ModelRecord("wide", "Wide", "toy", "0" * 64, {"size": 8}, []))
        writer.put_layers("wide", layers)
        for earlier, later in zip(layers, layers[1:], strict=False):
            weights = toy_weights(earlier.name, later.units, earlier.units)
            writer.put_connections("wide", later.name, earlier.name, [], {}, weights=weights)
    with TestClient(create_app(Settings(store=root)), follow_redirects=False) as test_client:
        yield test_client


def _cells(page: str) -> list[tuple[str, str]]:
    """The (earlier unit, later unit) each drawn kernel joins, in page order."""
    return re.findall(r'<td class="kernel-cell" title="(\w+:\d+) → (\w+:\d+): ', page)


def test_a_grid_wider_than_a_page_is_drawn_a_page_of_rows_at_a_time(client: TestClient) -> None:
    units = f"first:{ALL};middle:{','.join(str(u) for u in range(TALL))}"
    pages = [client.get(PAGE, params={"units": units, **({"page": str(p)} if p > 1 else {})}) for p in (1, 2, 3)]
    assert [page.status_code for page in pages] == [200, 200, 200]
    drawn = [_cells(page.text) for page in pages]
    assert [len(cells) for cells in drawn] == [ROWS * MAX_UNITS, ROWS * MAX_UNITS, (TALL - 2 * ROWS) * MAX_UNITS]
    every = [cell for cells in drawn for cell in cells]
    assert every == [(f"first:{c}", f"middle:{r}") for r in range(TALL) for c in range(MAX_UNITS)]  # each once
    assert f"rows {ROWS + 1}–{2 * ROWS} of {TALL} · page 2 of 3" in pages[1].text


def test_pages_link_to_the_rows_before_and_after(client: TestClient) -> None:
    units = f"first:{ALL};middle:{','.join(str(u) for u in range(TALL))}"
    page = client.get(PAGE, params={"units": units, "page": "2"}).text
    before = re.search(r'<a rel="prev" href="([^"]+)">', page)
    after = re.search(r'<a rel="next" href="([^"]+)">', page)
    assert before and after and before[1].endswith(f"middle:{','.join(str(u) for u in range(TALL))}")
    assert after[1].replace("&amp;", "&").endswith("&page=3")
    assert client.get(after[1].replace("&amp;", "&")).status_code == 200


def test_a_grid_of_a_pages_kernels_or_fewer_has_no_pages(client: TestClient) -> None:
    page = client.get(PAGE, params={"units": f"first:0,1,2,3,4,5,6,7;middle:{','.join(str(u) for u in range(TALL))}"})
    assert page.status_code == 200 and 'class="pager circuit-pager"' not in page.text
    assert len(_cells(page.text)) == 8 * TALL


def test_the_largest_circuit_is_pages_of_a_bounded_size_and_its_json_holds_every_kernel(client: TestClient) -> None:
    units = f"first:{ALL};middle:{','.join(str(u) for u in range(TALL))};last:{ALL}"
    first = client.get(PAGE, params={"units": units})
    assert first.status_code == 200 and len(_cells(first.text)) == ROWS * MAX_UNITS + ROWS * TALL  # two grids
    assert len(_cells(first.text)) <= 2 * KERNELS_PER_PAGE and "page 1 of 8" in first.text
    found = client.get("/api/v1" + PAGE, params={"units": units}).json()
    assert [len(pair["rows"]) for pair in found["pairs"]] == [TALL, MAX_UNITS]
    assert [len(pair["kernels"]) for pair in found["pairs"]] == [TALL, MAX_UNITS]


@pytest.mark.parametrize(("page", "status"), [("1", 302), ("4", 404), ("0", 400), ("two", 400), ("99999", 400)])
def test_the_first_page_has_no_page_number_and_others_must_exist(client: TestClient, page: str, status: int) -> None:
    units = f"first:{ALL};middle:{','.join(str(u) for u in range(TALL))}"
    response = client.get(PAGE, params={"units": units, "page": page})
    assert response.status_code == status
    if status == 302:
        assert "page=" not in response.headers["location"]
    if status == 404:
        assert "no page 4: the grids of this circuit take 3" in response.text


def test_removing_a_unit_keeps_the_page_when_it_still_exists() -> None:
    middle = tuple(range(TALL))
    query = CircuitQuery("wide", (("first", tuple(range(MAX_UNITS))), ("middle", middle)), page=3)
    assert query.pages == 3 and query.without("middle", 0) == CircuitQuery(
        "wide", (query.groups[0], ("middle", middle[1:])), page=3
    )
    shorter = CircuitQuery("wide", (("first", tuple(range(MAX_UNITS))), ("middle", middle[: 2 * ROWS + 1])), page=3)
    assert shorter.without("middle", 0).page == 2  # type: ignore[union-attr]
