"""A unit's examples across the activation range: JSON fields and the unit page's rows, histogram and overlays."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

UNIT = "/api/v1/models/toy-net/layers/block1/units/2"
PAGE = "/models/toy-net/layers/block1/units/2"


@pytest.fixture(scope="module")
def unit(client: TestClient) -> dict[str, Any]:
    """The JSON of block1:2."""
    return client.get(UNIT).json()


def test_unit_json_lists_bottom_examples_then_quantile_samples_highest_first(unit: dict[str, Any]) -> None:
    kinds = [(e["kind"], e["rank"], e["quantile"]) for e in unit["range_examples"]]
    assert kinds == [("bottom", 0, None), ("bottom", 1, None), ("quantile", 0, 0.9), ("quantile", 1, 0.5)]
    assert [e["activation"] for e in unit["range_examples"]] == [-0.5, -1.5, 2.7, 1.5]
    assert all(e["url"].startswith("/assets/") for e in unit["range_examples"])


def test_every_example_carries_its_activation_map_over_the_crop(unit: dict[str, Any]) -> None:
    sample = unit["range_examples"][2]
    assert sample["amap"] == [[1.35, 2.7], [0.0, 0.675]]
    assert all("amap" in e for e in unit["dataset_examples"])  # null in the toy store: its top examples have none


def test_unit_json_has_activation_stats_with_histogram(unit: dict[str, Any]) -> None:
    stats = unit["stats"]
    assert (stats["count"], stats["min"], stats["max"]) == (9, -1.5, 5.0)
    assert stats["quantiles"] == {"0.9": 2.7, "0.5": 1.5}
    assert stats["histogram"] == {"edges": [-1.5, 0.0, 1.5, 5.0], "counts": [2, 4, 3]}


def test_units_without_range_data_have_empty_lists_and_null_stats(client: TestClient) -> None:
    conv = client.get("/api/v1/models/toy-net/layers/conv1/units/0").json()
    assert conv["range_examples"] == [] and conv["stats"] is None


def test_unit_page_shows_quantile_and_least_active_rows(client: TestClient) -> None:
    html = client.get(PAGE).text
    assert "Across the range" in html and "Least active" in html
    assert '<span class="quantile">90%</span> <span class="act">2.7</span>' in html
    assert "90th percentile" in html and "mean ± std" in html


def test_unit_page_draws_the_histogram_on_a_log_count_scale(client: TestClient) -> None:
    html = client.get(PAGE).text
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="plot plot-activation-histogram"')
    svg = ET.fromstring(html[start : html.index("</svg>", start) + 6])
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "images (log scale)" in texts and {"1", "10"} <= set(texts)
    assert "90%" in texts and "50%" in texts  # the quantile samples marked


def test_unit_page_overlays_activation_maps_behind_a_toggle(client: TestClient) -> None:
    html = client.get(PAGE).text
    assert '<input type="checkbox" id="show-amaps" class="amap-toggle"' in html
    assert html.index('id="show-amaps"') < html.index('class="amap"')  # a sibling before the grids: CSS-only toggle
    assert html.count('class="amap"') == 4  # the four range examples; the toy top examples have no maps
