"""A layer's feature family: units ranked by the family's score and laid out by preferred orientation, their coverage
of the circle, their tuning curves, the circuit link, the layer page's links, and the 404s and 400s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from app.families.present import coverage, selective_orientations
from app.main import create_app
from app.web.config import Settings
from store.scores import ORIENTED_SELECTIVITY
from tests.app.stores import ANGLES, NEURON_UNITS, TRANSPARENT_UNITS, build_family_store, tuning


@pytest.fixture(scope="module")
def family_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-model family store."""
    return build_family_store(tmp_path_factory.mktemp("family-store"))


@pytest.fixture(scope="module")
def client(family_store: Path) -> Iterator[TestClient]:
    """A client over the family store, not following redirects."""
    with TestClient(create_app(Settings(store=family_store)), follow_redirects=False) as test_client:
        yield test_client


def _json(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def curves(client: TestClient) -> dict:
    """The curve family of fam-a's mixed, default top."""
    return _json(client, "/api/v1/models/fam-a/layers/mixed/families/curves")


def test_the_top_units_by_score_are_laid_out_by_preferred_orientation(curves: dict) -> None:
    assert [u["unit"] for u in curves["units"]] == [1, 5, 3, 6, 0, 2, 4, 7]
    assert [u["orientation"] for u in curves["units"][:7]] == [20, 65, 110, 155, 200, 290, 340]
    assert {u["unit"]: u["rank"] for u in curves["units"]} == {u: u + 1 for u in range(8)}
    assert curves["units"][4]["score"] == 0.9 and curves["units"][4]["scores"]["curve"] == 0.9
    assert curves["score"]["name"] == "curve" and curves["family"] == "curves" and curves["top"] == 16


def test_units_without_a_preferred_orientation_come_last_and_are_counted(curves: dict) -> None:
    assert curves["units"][-1]["unit"] == 7 and curves["units"][-1]["orientation"] is None
    assert curves["unoriented"] == 1


def test_coverage_is_the_circle_less_the_widest_gap_between_preferred_orientations(curves: dict) -> None:
    c = curves["coverage"]
    assert (c["oriented"], c["largest_gap"], c["gap_from"], c["gap_to"], c["covers"]) == (7, 90, 200, 290, 270)


def test_coverage_counts_the_gap_across_zero_and_lone_or_absent_orientations() -> None:
    assert coverage([350.0, 10.0]).model_dump() == {
        "oriented": 2, "unselective": 0, "min_selectivity": pytest.approx(ORIENTED_SELECTIVITY),
        "largest_gap": 340.0, "gap_from": 10.0, "gap_to": 350.0, "covers": 20.0,
    }  # fmt: skip
    assert coverage([0.0, 90.0, 180.0, 270.0]).covers == 270.0
    assert coverage([30.0]).covers == 0.0 and coverage([30.0]).largest_gap == 360.0
    assert coverage([370.0, 20.0]).covers == 10.0  # angles are taken round the circle
    assert coverage([]).covers is None and coverage([]).oriented == 0


def test_top_keeps_the_highest_scoring_units(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-a/layers/mixed/families/curves?top=3")
    assert [u["unit"] for u in page["units"]] == [1, 0, 2]  # ranks 1–3, by orientation 20, 200, 290
    assert page["coverage"]["covers"] == 180 and page["top"] == 3
    assert page["url"] == "/models/fam-a/layers/mixed/families/curves?top=3"
    assert page["api_url"] == "/api/v1/models/fam-a/layers/mixed/families/curves?top=3"


def test_each_unit_carries_its_orientation_curve_when_stored(curves: dict) -> None:
    by_unit = {u["unit"]: u for u in curves["units"]}
    assert by_unit[3]["curve"]["orientation"] == ANGLES
    assert by_unit[3]["curve"]["values"] == pytest.approx(tuning(110.0), abs=1e-6)
    assert by_unit[7]["curve"] is None
    assert by_unit[0]["thumbnail"].startswith("/assets/") and by_unit[0]["url"] == "/models/fam-a/layers/mixed/units/0"


def test_each_unit_is_shown_by_its_neuron_picture_where_stored_else_its_channel_one(curves: dict) -> None:
    by_unit = {u["unit"]: u for u in curves["units"]}
    assert {u: by_unit[u]["picture_kind"] for u in by_unit} == {
        u: "neuron" if u in NEURON_UNITS else "channel" for u in by_unit
    }
    assert by_unit[1]["picture"] == by_unit[1]["thumbnail"]
    assert by_unit[0]["picture"] != by_unit[0]["thumbnail"] and by_unit[0]["picture"].startswith("/assets/")


def test_the_family_page_names_the_kind_each_picture_shows(client: TestClient, curves: dict) -> None:
    html = client.get("/models/fam-a/layers/mixed/families/curves").text
    kinds = re.findall(r'class="picture-kind muted small"[^>]*>(\w+)(, transparent)?</span>', html)
    assert [k for k, _ in kinds] == [u["picture_kind"] for u in curves["units"]]
    assert [k for k, _ in kinds].count("neuron") == len(NEURON_UNITS)
    neuron = next(u for u in curves["units"] if u["unit"] == NEURON_UNITS[0])
    assert f'src="{neuron["picture"]}" alt="mixed:{NEURON_UNITS[0]}, neuron visualization"' in html


def test_a_transparent_picture_is_marked_on_its_tile_and_explained_once(client: TestClient, curves: dict) -> None:
    by_unit = {u["unit"]: u for u in curves["units"]}
    assert {u for u in by_unit if by_unit[u]["picture_transparent"]} == set(TRANSPARENT_UNITS)
    html = client.get("/models/fam-a/layers/mixed/families/curves").text
    marked = re.findall(r'title="([^"]*)">neuron, transparent</span>', html)
    assert len(marked) == len(TRANSPARENT_UNITS) and "what the unit does not need fades to grey" in marked[0]
    assert html.count("Pictures marked <strong>transparent</strong>") == 1
    opaque = client.get("/models/fam-a/layers/conv/families/curves").text  # channel pictures only: nothing to explain
    assert "transparent" not in opaque


def test_the_circuit_link_adds_the_previous_layers_family_by_orientation(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-a/layers/mixed/families/curves?top=7")
    assert page["circuit_url"] == "/models/fam-a/circuit?units=conv:1,0,2;mixed:1,5,3,6,0,2,4&order=orientation"
    assert page["circuit_layers"] == ["conv", "mixed"]
    circuit = client.get(page["circuit_url"])
    assert circuit.status_code == 200, circuit.text


def test_the_circuit_link_keeps_the_layout_when_a_unit_has_no_orientation(curves: dict, client: TestClient) -> None:
    assert curves["circuit_url"] == "/models/fam-a/circuit?units=conv:1,0,2;mixed:1,5,3,6,0,2,4,7"
    assert client.get(curves["circuit_url"]).status_code == 200


def test_a_layer_without_weights_from_its_previous_opens_as_a_circuit_alone(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-b/layers/block/families/curves")
    assert page["circuit_url"] == "/models/fam-b/circuit?units=block:2,4,0" and page["circuit_layers"] == ["block"]
    assert [u["curve"] for u in page["units"]] == [None, None, None]


def test_the_families_the_units_hold_are_linked(curves: dict, client: TestClient) -> None:
    assert [(f["family"], f["score"]) for f in curves["families"]] == [("curves", "curve")]
    lines = _json(client, "/api/v1/models/fam-a/layers/mixed/families/lines")
    assert [u["unit"] for u in lines["units"]] == [8, 9] and lines["unoriented"] == 2
    assert lines["coverage"]["covers"] is None
    assert curves["compare_url"] == "/compare?family=curves"


def test_an_unknown_family_is_a_404_naming_the_families(client: TestClient) -> None:
    response = client.get("/api/v1/models/fam-a/layers/mixed/families/spirals")
    assert response.status_code == 404
    assert "spirals" in response.json()["detail"] and "curves, lines, colour, frequency" in response.json()["detail"]


def test_a_layer_without_the_score_is_a_404_saying_how_to_measure_it(client: TestClient) -> None:
    response = client.get("/api/v1/models/fam-a/layers/fc/families/curves")
    detail = response.json()["detail"]
    assert response.status_code == 404 and "no tuning data for layer 'fc'" in detail
    assert "microscope precompute" in detail and "layers of 'fam-a' with it: conv, mixed" in detail
    page = client.get("/models/fam-a/layers/fc/families/curves")
    assert page.status_code == 404 and "/models/fam-a/layers/conv/families/curves" in page.text


@pytest.mark.parametrize("top", ["0", "65", "abc", "-1", "2.5", "9" * 40])
def test_a_bad_top_is_a_400_saying_what_it_takes(client: TestClient, top: str) -> None:
    response = client.get(f"/api/v1/models/fam-a/layers/mixed/families/curves?top={top}")
    assert response.status_code == 400 and "a whole number from 1 to 64" in response.json()["detail"]


def test_the_family_page_shows_tiles_sparklines_coverage_and_links(client: TestClient) -> None:
    html = client.get("/models/fam-a/layers/mixed/families/curves").text
    assert html.count('class="family-tile"') == 8 and html.count("plot-polar-sparkline") == 7
    assert (
        "The family covers <strong>270° of 360°</strong>" in html and "1 unit without a preferred orientation" in html
    )
    assert 'href="/models/fam-a/circuit?units=conv:1,0,2;mixed:1,5,3,6,0,2,4,7"' in html
    assert 'href="/compare?family=curves"' in html
    assert 'type="application/json" href="/api/v1/models/fam-a/layers/mixed/families/curves"' in html
    tiles = re.findall(r'class="family-unit"><a class="mono" href="[^"]+">([^<]+)</a>', html)
    assert tiles == [f"mixed:{u}" for u in (1, 5, 3, 6, 0, 2, 4, 7)]


def test_the_layer_page_links_the_families_its_units_hold_and_no_others(client: TestClient) -> None:
    html = client.get("/models/fam-a/layers/mixed").text
    assert 'href="/models/fam-a/layers/mixed/families/curves">curves</a>' in html
    assert 'href="/models/fam-a/layers/mixed/families/lines">lines</a>' in html
    assert "families/colour" not in html
    assert 'class="families-link"' not in client.get("/models/fam-a/layers/fc").text


def test_coverage_counts_only_units_that_prefer_an_orientation_and_says_how_many_it_left_out() -> None:
    units = [
        SimpleNamespace(orientation=0.0, scores={"orientation_selectivity": 0.9}),
        SimpleNamespace(orientation=90.0, scores={"orientation_selectivity": ORIENTED_SELECTIVITY}),
        SimpleNamespace(orientation=200.0, scores={"orientation_selectivity": 0.06}),  # a ring: its angle is noise
        SimpleNamespace(orientation=300.0, scores={}),  # no selectivity measured
        SimpleNamespace(orientation=None, scores={"orientation_selectivity": 0.9}),
    ]
    angles, left_out = selective_orientations(units)  # type: ignore[arg-type]
    assert (angles, left_out) == ([0.0, 90.0], 2)
    found = coverage(angles, left_out)
    assert (found.covers, found.oriented, found.unselective) == (90.0, 2, 2)  # not 300°, which all four would cover


def test_a_family_with_members_that_prefer_other_stimuli_says_so_and_marks_them(client: TestClient) -> None:
    page = _json(client, "/api/v1/models/fam-b/layers/block/families/curves")
    weak = [u["unit"] for u in page["units"] if u["score"] < 0.5]
    assert weak == [0] and page["weak"] == 1 and page["score"]["weak_below"] == 0.5
    html = client.get("/models/fam-b/layers/block/families/curves").text
    assert "1 of these 3 units scores below 0.5 on curve" in html
    assert html.count('class="family-tile weak"') == 1 and html.count("weak-mark") == 1
    strong = client.get("/models/fam-a/layers/mixed/families/curves").text
    assert "family-weak" not in strong and "weak-mark" not in strong


def test_family_pages_spell_out_the_abbreviations_their_tiles_use(client: TestClient) -> None:
    html = client.get("/models/fam-a/layers/mixed/families/curves").text
    assert '<abbr title="orientation selectivity">OSI</abbr>: orientation selectivity' in html
    assert "orientation selectivity (OSI)" in html  # in the definitions too


def test_circuit_axes_mark_each_units_preferred_orientation_with_an_arrow(client: TestClient) -> None:
    html = client.get("/models/fam-a/circuit?units=conv:1,0,3;mixed:1,5").text
    marks = re.findall(r'title="preferred orientation (\d+)°"><svg[^>]*><g transform="rotate\(([-\d.]+)\)"', html)
    # conv:1 0°, conv:0 90°, mixed:1 20°, mixed:5 65°, each on the grid's axes (a header and a row or column);
    # conv:3 has no preferred orientation and gets no arrow
    assert {(int(a), float(r)) for a, r in marks} == {(0, -0.0), (90, -90.0), (20, -20.0), (65, -65.0)}
    assert 'aria-label="conv:3"' in html and html.count("axis-orientation") == len(marks)
