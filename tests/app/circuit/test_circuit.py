"""The circuit page and its JSON: parsing the unit list, the errors it answers, kernels equal to the stored tensor."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app import urls
from app.circuit.present import arrange, load
from app.circuit.query import MAX_UNITS, UNITS_PATTERN, BadCircuit, CircuitQuery, parse_units
from app.main import create_app
from app.web.config import Settings
from store.reader import StoreReader
from tests.app.queries import counted

API = "/api/v1/models/toy-net/circuit"
PAGE = "/models/toy-net/circuit"


def _kernels(client: TestClient, units: str, order: str = "given") -> dict:
    response = client.get(API, params={"units": units, "order": order})
    assert response.status_code == 200, response.text
    return response.json()


# --- the unit list's syntax: what parses is exactly what the API's schema pattern says ---

ACCEPTED = [
    "conv1:0",
    "conv1:0,1;block1:2",
    " conv1 : 0 , 1 ; block1 : 2 ",
    "conv1:0,1,;block1:2;",
    "conv1:0;block1:1;fc:2",
    "conv1:" + ",".join(["1"] * MAX_UNITS),
    "a.b-c_d:007",
]
REFUSED = [
    "",
    "   ",
    "conv1",
    "conv1:",
    "conv1:a",
    "conv1:-1",
    "conv1:1.5",
    "conv1:1,,2",
    ":1",
    "conv1:1;;",
    ";conv1:1",
    "a:1;b:1;c:1;d:1",
    "conv1:" + ",".join(["1"] * (MAX_UNITS + 1)),
    "con v1:1",
    "conv1:1:2",
    "conv1:١",
]


@pytest.mark.parametrize("text", ACCEPTED + REFUSED)
def test_the_parser_accepts_exactly_the_published_pattern(text: str) -> None:
    try:
        parse_units(text)
        parsed = True
    except BadCircuit:
        parsed = False
    assert parsed == (re.fullmatch(UNITS_PATTERN, text) is not None) == (text in ACCEPTED)


def test_units_parse_into_layer_groups_in_the_order_written() -> None:
    assert parse_units(" conv1 : 0 , 01 ; block1:2 ") == [("conv1", [0, 1]), ("block1", [2])]


def test_huge_unit_numbers_are_parsed_as_out_of_range_not_converted() -> None:
    assert parse_units("conv1:" + "9" * 5000)[0][1][0] >= 10**18


# --- errors: 400 for a malformed or unjoinable list, 404 for what the model lacks ---

BAD_REQUESTS = {
    "garbage": ("garbage", "'garbage' is not 'layer:unit,unit,…'"),
    "empty": ("", "no units given"),
    "not a number": ("block1:two", "'two' in block1 is not a unit number"),
    "100 units": ("block1:" + ",".join(str(u % 6) for u in range(100)), "at most 64 units per layer"),  # 10,000: a 414
    "four layers": ("conv1:0;block1:0;fc:0;conv1:1", "at most 3 layers"),
    "not consecutive": ("conv1:0;fc:1", "fc computes from block1, not conv1"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_a_bad_unit_list_answers_400_saying_what_is_wrong(client: TestClient, case: str) -> None:
    units, message = BAD_REQUESTS[case]
    response = client.get(API, params={"units": units})
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_error_quotes_garbage_cut_short(client: TestClient) -> None:
    detail = client.get(API, params={"units": "x" * 3_000}).json()["detail"]
    assert len(detail) < 500 and "'" + "x" * 60 + "…'" in detail


def test_the_page_answers_the_same_400_as_an_html_page(client: TestClient) -> None:
    response = client.get(PAGE, params={"units": "conv1:0;fc:1"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "fc computes from block1, not conv1" in response.text


def test_units_to_add_that_are_garbage_are_named_as_add(client: TestClient) -> None:
    response = client.get(PAGE, params={"units": "conv1:0", "add": "nonsense"})
    assert response.status_code == 400 and "add: &#39;nonsense&#39;" in response.text


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ("nope:1", "no layer 'nope' in model 'toy-net'; layers: conv1, block1, fc"),
        ("block1:6", "unit 6 out of range: block1 has units 0–5"),
        ("block1:" + "9" * 40, "out of range: block1 has units 0–5"),
    ],
)
def test_what_the_model_lacks_answers_404_naming_what_exists(client: TestClient, units: str, message: str) -> None:
    response = client.get(API, params={"units": units})
    assert response.status_code == 404 and message in response.json()["detail"]


def test_an_unknown_model_answers_404(client: TestClient) -> None:
    assert client.get("/api/v1/models/nope/circuit", params={"units": "a:1"}).status_code == 404


def test_a_missing_unit_list_in_the_api_is_a_422(client: TestClient) -> None:
    assert client.get(API).status_code == 422


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("sideways", "unknown order 'sideways'"),
        ("svd5", "has 4 components; orders here: given, svd1, svd2, svd3, svd4"),
        ("svd0", "orders here: given, svd1, svd2, svd3, svd4"),
        ("orientation", "no tuning data is stored for conv1:0, block1:1"),
    ],
)
def test_an_order_the_circuit_cannot_take_answers_400(client: TestClient, order: str, message: str) -> None:
    response = client.get(API, params={"units": "conv1:0;block1:1", "order": order})
    assert response.status_code == 400 and message in response.json()["detail"]


def test_one_layer_cannot_be_ordered_by_svd(client: TestClient) -> None:
    response = client.get(API, params={"units": "block1:1,2", "order": "svd1"})
    assert response.status_code == 400 and "needs two layers" in response.json()["detail"]


# --- canonical URLs: one view, one URL ---


def test_the_page_redirects_other_spellings_to_the_canonical_url(client: TestClient) -> None:
    response = client.get(PAGE, params={"units": " block1:2,2,3 ; conv1:1 ;block1:0", "order": "given"})
    assert response.status_code == 302
    assert response.headers["location"] == "/models/toy-net/circuit?units=conv1:1;block1:2,3,0"


def test_units_added_on_the_page_join_the_canonical_url(client: TestClient) -> None:
    response = client.get(PAGE, params={"units": "conv1:1;block1:2", "order": "svd1", "add": "fc:0,1"})
    assert response.headers["location"] == "/models/toy-net/circuit?units=conv1:1;block1:2;fc:0,1&order=svd1"


def test_the_canonical_url_is_served_without_a_redirect(client: TestClient) -> None:
    url = urls.circuit_page("toy-net", [("conv1", [1]), ("block1", [2, 3])], "svd1")
    assert url == "/models/toy-net/circuit?units=conv1:1;block1:2,3&order=svd1"
    assert client.get(url).status_code == 200


def test_the_json_names_its_canonical_page_and_itself(client: TestClient) -> None:
    found = _kernels(client, "block1:3,3;conv1:0")
    assert found["units"] == "conv1:0;block1:3"
    assert found["url"] == "/models/toy-net/circuit?units=conv1:0;block1:3"
    assert found["api_url"] == "/api/v1/models/toy-net/circuit?units=conv1:0;block1:3"


def test_removing_a_unit_keeps_the_circuit_joined() -> None:
    query = CircuitQuery("m", (("a", (1,)), ("b", (2, 3)), ("c", (4,))))
    assert query.without("b", 2) == CircuitQuery("m", (("a", (1,)), ("b", (3,)), ("c", (4,))))
    assert query.without("a", 1) == CircuitQuery("m", (("b", (2, 3)), ("c", (4,))))
    assert CircuitQuery("m", (("a", (1,)), ("b", (2,)), ("c", (4,)))).without("b", 2) is None
    assert CircuitQuery("m", (("a", (1,)),)).without("a", 1) is None


# --- the data: kernels are the stored tensor's values ---


def test_the_json_kernels_are_the_stored_tensor_values(client: TestClient, toy_store: Path) -> None:
    found = _kernels(client, "conv1:3,0,2;block1:5,1;fc:2,0")
    reader = StoreReader(toy_store)
    for pair in found["pairs"]:
        tensor = np.asarray(reader.tensor(reader.weights("toy-net", pair["layer"])))
        expected = tensor[np.ix_(pair["rows"], pair["columns"])]
        assert np.array_equal(np.array(pair["kernels"], dtype=np.float64), expected.astype(np.float64))
        assert pair["max_abs"] == float(np.abs(expected).max().astype(np.float64))
        assert pair["kernel_shape"] == [2, 2]
    assert [(p["source"], p["layer"], p["rows"], p["columns"]) for p in found["pairs"]] == [
        ("conv1", "block1", [5, 1], [3, 0, 2]),
        ("block1", "fc", [2, 0], [5, 1]),
    ]


def test_the_json_lists_each_layers_units_with_thumbnails_and_pages(client: TestClient) -> None:
    found = _kernels(client, "conv1:3;block1:5,1")
    assert [layer["name"] for layer in found["layers"]] == ["conv1", "block1"]
    unit = found["layers"][1]["units"][0]
    assert unit["ref"] == "block1:5" and unit["url"] == "/models/toy-net/layers/block1/units/5"
    assert unit["thumbnail"].startswith("/assets/") and client.get(unit["thumbnail"]).status_code == 200
    assert unit["without"] == "/models/toy-net/circuit?units=conv1:3;block1:1"
    assert found["layers"][0]["units"][0]["without"] == "/models/toy-net/circuit?units=block1:5,1"


def test_svd_order_sorts_each_layer_by_its_coordinate_on_the_component(client: TestClient, toy_store: Path) -> None:
    found = _kernels(client, "conv1:0,1,2,3;block1:0,1,2,3,4,5", order="svd2")  # the second component
    svd = StoreReader(toy_store).weights("toy-net", "block1").svd
    columns, rows = found["pairs"][0]["columns"], found["pairs"][0]["rows"]
    assert columns == sorted(range(4), key=lambda u: -svd.src[u][1])
    assert rows == sorted(range(6), key=lambda u: -svd.dst[u][1])
    assert [u["unit"] for u in found["layers"][1]["units"]] == rows


def test_orientation_order_sorts_by_the_measured_angle(toy_store: Path) -> None:
    query = CircuitQuery("toy-net", (("block1", (0, 1, 2)),), "orientation")
    reader = StoreReader(toy_store)
    data = load(reader, reader.model("toy-net"), query)
    angles = {0: 90.0, 1: 10.0, 2: 45.0}
    measured = {u: dataclasses.replace(s, scores={"orientation": angles[u]}) for u, s in data.units["block1"].items()}
    assert arrange(dataclasses.replace(data, units={"block1": measured})) == {"block1": [1, 2, 0]}


# --- the page ---


class _Cells(HTMLParser):
    """Counts the kernel cells, axis thumbnails and axis crops (top dataset examples) of each grid of a circuit page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[int] = []
        self.thumbnails: list[int] = []
        self.crops: list[int] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.cells.append(0)
            self.thumbnails.append(0)
            self.crops.append(0)
        elif tag == "td" and found.get("class") == "kernel-cell":
            self.in_cell = True
        elif tag == "img" and self.in_cell:
            assert (found.get("src") or "").startswith("data:image/png;base64,")
            self.cells[-1] += 1
        elif tag == "img" and (found.get("src") or "").startswith("/assets/"):
            counted = self.thumbnails if found.get("class") == "thumb" else self.crops
            counted[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.in_cell = False


def test_the_page_draws_every_kernel_and_every_thumbnail_with_its_top_crops(client: TestClient) -> None:
    page = client.get(PAGE, params={"units": "conv1:3,0,2;block1:5,1;fc:2,0"})
    assert page.status_code == 200
    parsed = _Cells()
    parsed.feed(page.text)
    assert parsed.cells == [2 * 3, 2 * 2]
    assert parsed.thumbnails == [3 + 2, 2 + 2]
    assert parsed.crops == [3 * (3 + 2), 3 * (2 + 2)]  # each toy unit's 3 top examples beside its picture
    assert 'title="conv1:0 → block1:5: sum ' in page.text
    assert '<link rel="alternate" type="application/json" href="/api/v1/models/toy-net/circuit?units=' in page.text


def test_unit_pages_open_the_unit_as_a_circuit_with_its_strongest_inputs(client: TestClient) -> None:
    page = client.get("/models/toy-net/layers/block1/units/2").text
    link = re.search(r'Open as circuit: <a href="([^"]+)">with its 4 strongest inputs', page)
    assert link and link[1] == "/models/toy-net/circuit?units=conv1:0,1,3,2;block1:2"
    assert client.get(link[1]).status_code == 200
    assert "/models/toy-net/circuit?units=block1:2;fc:0,1,2" in page


def test_the_first_layers_units_open_no_circuit_of_inputs(client: TestClient) -> None:
    page = client.get("/models/toy-net/layers/conv1/units/0").text
    assert "strongest inputs" not in page and "strongest outputs" in page


# --- cost: a fixed number of queries, whatever the number of units ---


@pytest.mark.parametrize("path", [PAGE, API])
def test_a_circuit_costs_the_same_few_queries_for_few_units_as_for_many(toy_store: Path, path: str) -> None:
    counts = []
    with TestClient(create_app(Settings(store=toy_store))) as fresh:  # nothing cached yet
        for units in ("conv1:0;block1:0;fc:0", "conv1:0,1,2,3;block1:0,1,2,3,4,5;fc:0,1,2"):
            with counted(fresh) as statements:
                assert fresh.get(path, params={"units": units}).status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 5
