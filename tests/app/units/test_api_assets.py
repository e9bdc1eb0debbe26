"""Content-addressed assets: served with their type and cached forever."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient


def _thumbnail(client: TestClient) -> str:
    return client.get("/api/v1/models/toy-net/layers/conv1").json()["unit_list"][0]["thumbnail"]


def test_assets_have_immutable_cache_headers(client: TestClient) -> None:
    response = client.get(_thumbnail(client))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] == "image/png"


def test_asset_bytes_hash_to_their_name(client: TestClient) -> None:
    url = _thumbnail(client)
    sha = url.removeprefix("/assets/").split(".")[0]
    assert hashlib.sha256(client.get(url).content).hexdigest() == sha


def test_unknown_asset_returns_404(client: TestClient) -> None:
    assert client.get(f"/assets/{'0' * 64}.png").status_code == 404


def test_malformed_asset_name_returns_404(client: TestClient) -> None:
    assert client.get("/assets/../../microscope.sqlite").status_code == 404
    assert client.get("/assets/abc.png").status_code == 404
    assert client.get(f"/assets/{'0' * 64}.exe").status_code == 404
