"""A circuit's colour scale: a robust end (the 99th percentile of |weight|) for the layer pair or for each row, chosen
by `scale=` and kept in the URL, and a legend that marks 0 and labels both ends."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.web.templating import sig3
from store.reader import StoreReader

API = "/api/v1/models/toy-net/circuit"
PAGE = "/models/toy-net/circuit"
UNITS = "conv1:3,0,2;block1:5,1,4"


def _json(client: TestClient, **params: str) -> dict:
    response = client.get(API, params={"units": UNITS, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _stored(toy_store: Path, rows: list[int], columns: list[int]) -> np.ndarray:
    reader = StoreReader(toy_store)
    tensor = reader.tensor(reader.weights("toy-net", "block1"))
    return np.abs(np.asarray(tensor[np.ix_(rows, columns)], dtype=np.float64))


def test_by_default_every_kernel_of_a_pair_shares_the_99th_percentile_of_its_weights(
    client: TestClient, toy_store: Path
) -> None:
    found = _json(client)
    (pair,) = found["pairs"]
    expected = np.percentile(_stored(toy_store, pair["rows"], pair["columns"]), 99)
    assert found["scale"] == "pair"
    assert pair["colour_max"] == pytest.approx([expected] * 3)
    assert pair["colour_max"][0] < pair["max_abs"]  # a robust end: the largest weights clip


def test_scale_row_gives_each_row_the_99th_percentile_of_its_own_weights(client: TestClient, toy_store: Path) -> None:
    found = _json(client, scale="row")
    (pair,) = found["pairs"]
    stored = _stored(toy_store, pair["rows"], pair["columns"])
    assert found["scale"] == "row"
    assert pair["colour_max"] == pytest.approx([np.percentile(row, 99) for row in stored])
    assert len(set(pair["colour_max"])) == 3


@pytest.mark.parametrize("path", [API, PAGE])
def test_an_unknown_scale_answers_400_naming_the_scales(client: TestClient, path: str) -> None:
    response = client.get(path, params={"units": UNITS, "scale": "log"})
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "unknown scale 'log'; scale is 'pair' (" in text and "'row' (" in text


def test_the_row_scale_stays_in_the_pages_url_its_json_link_and_its_forms(client: TestClient) -> None:
    page = client.get(PAGE, params={"units": UNITS, "scale": "row"})
    assert page.status_code == 200  # canonical as it is: no redirect
    assert f'href="{API}?units={UNITS}&amp;scale=row"' in page.text  # the JSON twin, at the same scale
    assert page.text.count('<input type="hidden" name="scale" value="row">') == 2  # the edit and add forms
    assert _json(client, scale="row")["url"] == f"{PAGE}?units={UNITS}&scale=row"


def test_the_default_scale_written_out_redirects_to_the_url_without_it(client: TestClient) -> None:
    response = client.get(PAGE, params={"units": UNITS, "scale": "pair"})
    assert response.status_code == 302 and response.headers["location"] == f"{PAGE}?units={UNITS}"


def test_the_page_links_the_other_scale_as_a_toggle(client: TestClient) -> None:
    toggle = re.compile(r'<nav class="circuit-scales[^"]*" aria-label="Colour scale">(.*?)</nav>', re.S)
    on_pair = toggle.search(client.get(PAGE, params={"units": UNITS}).text)[1]
    on_row = toggle.search(client.get(PAGE, params={"units": UNITS, "scale": "row"}).text)[1]
    assert (
        f'href="{PAGE}?units={UNITS}&amp;scale=row"' in on_pair and '<strong aria-current="true">one scale' in on_pair
    )
    assert f'href="{PAGE}?units={UNITS}"' in on_row and '<strong aria-current="true">each row' in on_row


def _legend(page: str) -> str:
    return page.split('<figure class="colour-legend">')[1].split("</figure>")[0]


def test_the_legend_marks_zero_and_labels_both_ends_with_the_scales_end(client: TestClient) -> None:
    end = _json(client)["pairs"][0]["colour_max"][0]
    legend = _legend(client.get(PAGE, params={"units": UNITS}).text)
    ticks = re.findall(r'<span class="(neg|zero|pos)">([^<]*)</span>', legend)
    assert ticks == [("neg", f"−{sig3(end)}"), ("zero", "0"), ("pos", f"+{sig3(end)}")]
    assert "99th percentile of |weight|" in legend and "clipped to full colour" in legend


def test_the_legend_strip_runs_from_full_blue_through_white_at_a_marked_zero_to_full_red(client: TestClient) -> None:
    legend = _legend(client.get(PAGE, params={"units": UNITS}).text)
    stops = re.findall(r'<stop offset="([\d.]+)" stop-color="(rgb\([\d,]+\))"/>', legend)
    assert stops == [("0", "rgb(37,99,235)"), ("0.5", "rgb(255,255,255)"), ("1", "rgb(220,38,38)")]
    assert re.search(r'<line x1="120.0" [^>]*class="zero"/>', legend)  # the middle of the 240-wide strip


def test_a_row_scaled_grid_writes_each_rows_end_beside_it(client: TestClient) -> None:
    ends = _json(client, scale="row")["pairs"][0]["colour_max"]
    page = client.get(PAGE, params={"units": UNITS, "scale": "row"}).text
    assert re.findall(r'<span class="row-end"[^>]*>±([^<]+)</span>', page) == [sig3(end) for end in ends]
    assert (
        "Each row on its own scale" in _legend(page)
        and 'class="row-end"' not in client.get(PAGE, params={"units": UNITS}).text
    )


def test_the_grid_sits_in_a_box_that_never_limits_its_height(client: TestClient) -> None:
    page = client.get(PAGE, params={"units": UNITS}).text
    assert re.search(r'<div class="circuit-grid-box">\s*<table class="circuit-grid">', page)
    css = client.get("/static/style.css").text
    rules = re.findall(r"([^{}]*\.circuit-grid-box[^{}]*)\{([^}]*)\}", css)
    assert rules and all(not re.search(r"(max-)?height|overflow(-y)?\s*:\s*(hidden|clip)", body) for _, body in rules)
