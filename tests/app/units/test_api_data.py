"""A layer's data out: its units as JSON Lines and Parquet, its channel images as a zip, none of them cached."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.units import data_out
from app.web.cache import LruStore

LAYER = "/api/v1/models/toy-net/layers/block1"


def _unit_list(client: TestClient) -> list[dict[str, object]]:
    return client.get(LAYER).json()["unit_list"]


def test_jsonl_has_one_line_per_unit_with_the_layer_apis_fields(client: TestClient) -> None:
    response = client.get(LAYER + "/units.jsonl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert [json.loads(line) for line in lines] == _unit_list(client)


def test_parquet_has_a_row_per_unit_with_scores_as_columns(client: TestClient) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    response = client.get(LAYER + "/units.parquet")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert "attachment" in response.headers["content-disposition"]
    rows = pq.read_table(io.BytesIO(response.content)).to_pylist()
    units = _unit_list(client)
    assert [r["ref"] for r in rows] == [u["ref"] for u in units]
    assert [r["scores.bw_ratio"] for r in rows] == pytest.approx([u["scores"]["bw_ratio"] for u in units])


def test_parquet_without_pyarrow_answers_501_naming_the_jsonl(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_out, "parquet_available", lambda: False)
    response = client.get("/api/v1/models/toy-net/layers/fc/units.parquet")
    assert response.status_code == 501
    assert "pyarrow" in response.json()["detail"]
    assert "/api/v1/models/toy-net/layers/fc/units.jsonl" in response.json()["detail"]


def test_zip_holds_each_units_channel_image_and_a_manifest(client: TestClient) -> None:
    response = client.get(LAYER + "/feature-vis.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = [f"block1_{u:04d}.png" for u in range(6)]
    assert archive.namelist() == ["manifest.json", *names]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest == [{"unit": u, "file": names[u], "activation": 5.0 + u} for u in range(6)]
    thumbnail = _unit_list(client)[3]["thumbnail"]
    assert archive.read(names[3]) == client.get(str(thumbnail)).content


def test_downloads_of_an_unknown_layer_are_404_json(client: TestClient) -> None:
    for suffix in ("units.jsonl", "units.parquet", "feature-vis.zip"):
        response = client.get(f"/api/v1/models/toy-net/layers/nope/{suffix}")
        assert response.status_code == 404
        assert "conv1" in response.json()["detail"]


def test_downloads_are_not_kept_by_the_response_cache(client: TestClient) -> None:
    cache: LruStore = client.app.state.response_cache  # type: ignore[attr-defined]
    cache.clear()  # earlier tests fetched these URLs: an entry they left would hide one kept now
    for suffix in ("units.jsonl", "units.parquet", "feature-vis.zip"):
        assert client.get(f"{LAYER}/{suffix}").status_code in (200, 501)
    assert len(cache) == 0
    assert client.get(LAYER).status_code == 200 and len(cache) == 1  # the layer's JSON is kept: the cache is on


def test_zip_does_not_write_the_store(client: TestClient, toy_store: Path) -> None:
    before = sorted((p.name, p.stat().st_mtime_ns) for p in toy_store.rglob("*"))
    client.get("/api/v1/models/toy-net/layers/conv1/feature-vis.zip")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in toy_store.rglob("*")) == before


def test_layer_json_and_page_link_its_downloads(client: TestClient) -> None:
    layer = client.get(LAYER).json()
    assert layer["units_jsonl_url"] == LAYER + "/units.jsonl"
    assert layer["units_parquet_url"] == LAYER + "/units.parquet"
    assert layer["feature_vis_zip_url"] == LAYER + "/feature-vis.zip"
    page = client.get("/models/toy-net/layers/block1").text
    for key in ("units_jsonl_url", "units_parquet_url", "feature_vis_zip_url"):
        assert f'href="{layer[key]}"' in page


def test_api_root_links_back_to_the_index(client: TestClient) -> None:
    assert client.get("/api/v1").json()["url"] == "/"
