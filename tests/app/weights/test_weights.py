"""Stored weight tensors through the service: a layer pair's metadata, download and SVD, and a unit's full weights."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.deps import no_weights
from app.main import create_app
from app.web.config import Settings
from store.records import CONNECTIONS_STAGE, LayerView, ModelView
from tests.conftest import build_toy_store

BLOCK1 = "/api/v1/models/toy-net/layers/block1/weights"
FC = "/api/v1/models/toy-net/layers/fc/weights"


def _tensor(client: TestClient, api_url: str) -> np.ndarray:
    """The tensor a layer pair's JSON points at, downloaded and read by numpy alone."""
    download = client.get(client.get(api_url).json()["download_url"])
    return np.load(io.BytesIO(download.content), allow_pickle=False)


def test_layer_weights_json_describes_the_stored_tensor(client: TestClient) -> None:
    body = client.get(BLOCK1).json()
    assert (body["model"], body["layer"], body["source"], body["kind"]) == ("toy-net", "block1", "conv1", "expanded")
    assert body["shape"] == [6, 4, 2, 2] and body["dtype"] == "float16" and body["format"] == "npy-oihw-fp16/1"
    assert body["download_url"] == f"/assets/{body['sha256']}.npy"
    assert body["filename"] == "toy-net-conv1-to-block1.npy"
    assert body["url"] == "/models/toy-net/layers/block1/weights" and body["api_url"] == BLOCK1
    assert body["layer_url"] == "/models/toy-net/layers/block1"
    assert body["source_url"] == "/models/toy-net/layers/conv1"
    assert body["max_abs"] == pytest.approx(0.5, rel=1e-3)


def test_download_url_serves_the_exact_file_bytes(client: TestClient, toy_store: Path) -> None:
    body = client.get(BLOCK1).json()
    response = client.get(body["download_url"])
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == body["sha256"]
    assert len(response.content) == body["size_bytes"]
    stored = toy_store / "assets" / body["sha256"][:2] / f"{body['sha256']}.npy"
    assert response.content == stored.read_bytes()
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")
    tensor = np.load(io.BytesIO(response.content), allow_pickle=False)
    assert tensor.shape == (6, 4, 2, 2) and tensor.dtype == np.float16


def test_a_download_can_be_resumed_with_a_range(client: TestClient) -> None:
    body = client.get(BLOCK1).json()
    whole = client.get(body["download_url"]).content
    part = client.get(body["download_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]


@pytest.mark.parametrize("api_url", [BLOCK1, FC])
def test_svd_json_matches_numpy_svd_of_the_stored_abs_weights_summed_over_space(
    client: TestClient, api_url: str
) -> None:
    svd = client.get(api_url).json()["svd"]
    matrix = np.abs(_tensor(client, api_url).astype(np.float64)).sum(axis=(2, 3))
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    np.testing.assert_allclose(svd["singular_values"], s, atol=1e-9)
    np.testing.assert_allclose(svd["variance_share"], s**2 / (s**2).sum(), atol=1e-9)
    k = svd["components"]
    assert k == min(matrix.shape) and len(svd["layer_units"]) == matrix.shape[0]
    dst = np.array([unit["coordinates"] for unit in svd["layer_units"]])
    src = np.array([unit["coordinates"] for unit in svd["source_units"]])
    for component in range(k):
        if s[component] < 1e-9 * s[0]:
            continue  # a zero singular value's vectors are any basis of the null space
        sign = np.sign(dst[:, component] @ u[:, component])  # numpy's sign is arbitrary
        np.testing.assert_allclose(dst[:, component], sign * u[:, component], atol=1e-6)
        np.testing.assert_allclose(src[:, component], sign * vt[component], atol=1e-6)
        assert dst[np.abs(dst[:, component]).argmax(), component] > 0  # the README's sign: largest entry positive


def test_svd_units_carry_their_refs_pages_thumbnails_and_scores(client: TestClient) -> None:
    svd = client.get(BLOCK1).json()["svd"]
    block1, conv1 = svd["layer_units"], svd["source_units"]
    assert [u["ref"] for u in block1] == [f"block1:{i}" for i in range(6)]
    assert block1[3]["url"] == "/models/toy-net/layers/block1/units/3"
    assert all(u["thumbnail"].startswith("/assets/") for u in block1 + conv1)
    assert [u["scores"]["bw_ratio"] for u in block1] == pytest.approx([i / 5 for i in range(6)])
    assert all(u["scores"] == {} for u in conv1)  # conv1 was not measured
    fc = client.get(FC).json()["svd"]["layer_units"]
    assert [u["label"] for u in fc] == ["red", "green", "blue"]  # the logits are named by their class


def test_unit_row_is_the_tensor_row_strongest_first(client: TestClient) -> None:
    body = client.get("/api/v1/models/toy-net/layers/block1/units/2/weights").json()
    assert body["ref"] == "block1:2" and body["url"] == "/models/toy-net/layers/block1/units/2"
    row = body["inputs"]
    assert (row["layer"], row["source"]) == ("block1", "conv1")
    tensor = _tensor(client, BLOCK1)
    assert sorted(edge["unit"] for edge in row["weights"]) == list(range(4))  # every input
    for edge in row["weights"]:
        kernel = tensor[2, edge["unit"]].astype(np.float32)
        assert np.array_equal(np.array(edge["kernel"], dtype=np.float32), kernel)
        assert edge["weight"] == pytest.approx(float(kernel.astype(np.float64).sum()), rel=1e-6)
        assert edge["ref"] == f"conv1:{edge['unit']}"
        assert edge["url"] == f"/models/toy-net/layers/conv1/units/{edge['unit']}"
    strengths = [abs(edge["weight"]) for edge in row["weights"]]
    assert strengths == sorted(strengths, reverse=True)


def test_unit_column_is_the_tensor_column_of_each_layer_computed_from_it(client: TestClient) -> None:
    body = client.get("/api/v1/models/toy-net/layers/block1/units/2/weights").json()
    [column] = body["outputs"]
    assert (column["layer"], column["source"]) == ("fc", "block1")
    tensor = _tensor(client, FC)
    by_unit = {edge["unit"]: edge for edge in column["weights"]}
    assert sorted(by_unit) == [0, 1, 2]
    for unit, edge in by_unit.items():
        assert np.array_equal(np.array(edge["kernel"], dtype=np.float32), tensor[unit, 2].astype(np.float32))
    assert [by_unit[u]["label"] for u in range(3)] == ["red", "green", "blue"]


def test_first_and_last_layers_have_only_outputs_or_only_inputs(client: TestClient) -> None:
    first = client.get("/api/v1/models/toy-net/layers/conv1/units/1/weights").json()
    assert first["inputs"] is None and [c["layer"] for c in first["outputs"]] == ["block1"]
    last = client.get("/api/v1/models/toy-net/layers/fc/units/0/weights").json()
    assert last["inputs"]["source"] == "block1" and last["outputs"] == []


def test_first_layer_weights_return_404_saying_why(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/conv1/weights")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "first layer" in detail and "block1, fc" in detail
    page = client.get("/models/toy-net/layers/conv1/weights")
    assert page.status_code == 404 and 'href="/models/toy-net/layers/block1/weights"' in page.text


def test_a_layer_without_stored_weights_says_what_to_do() -> None:
    model = ModelView("m", "M", "toy", "0" * 64, {}, [])
    old = LayerView("b", 1, "conv", 2, 1, 1, 3, 1.0, "a", stages=(CONNECTIONS_STAGE,))
    assert "precomputed before full weight tensors" in str(no_weights(model, old).detail)
    skipped = LayerView("b", 1, "conv", 2, 1, 1, 3, 1.0, "a")
    assert "connections were not computed" in str(no_weights(model, skipped).detail)


def test_unknown_layer_and_unit_return_404(client: TestClient) -> None:
    assert client.get("/api/v1/models/toy-net/layers/nope/weights").status_code == 404
    missing = client.get("/api/v1/models/toy-net/layers/fc/units/3/weights")
    assert missing.status_code == 404 and "fc has units 0–2" in missing.json()["detail"]
    assert client.get("/api/v1/models/toy-net/layers/fc/units/x/weights").status_code == 404


def test_another_spelling_of_the_unit_redirects_to_its_weights(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/block1/units/02/weights")
    assert response.status_code == 301
    assert response.headers["location"] == "/api/v1/models/toy-net/layers/block1/units/2/weights"


def test_weights_page_shows_the_file_how_to_load_it_and_the_svd_plots(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/block1/weights")
    assert response.status_code == 200
    html = response.text
    assert f'<link rel="alternate" type="application/json" href="{BLOCK1}">' in html
    sha = client.get(BLOCK1).json()["sha256"]
    assert f'href="/assets/{sha}.npy" download="toy-net-conv1-to-block1.npy"' in html
    assert 'np.load("toy-net-conv1-to-block1.npy")' in html and "torch.from_numpy(w)" in html
    assert html.count('class="plot plot-scatter"') == 2 and html.count('class="plot plot-bars"') == 1
    assert "black &amp; white (bw_ratio)" in html  # block1's colour legend
    assert "No bw_ratio stored for its units." in html  # conv1's: not measured
    assert ' style="' not in html  # the CSP forbids inline styles


def test_layer_and_unit_pages_link_to_the_weights(client: TestClient) -> None:
    assert 'href="/models/toy-net/layers/block1/weights"' in client.get("/models/toy-net/layers/block1").text
    assert "/weights" not in client.get("/models/toy-net/layers/conv1").text  # the first layer has none
    unit = client.get("/models/toy-net/layers/block1/units/2").text
    assert 'href="/api/v1/models/toy-net/layers/block1/units/2/weights">all weights (JSON)</a>' in unit


def test_large_tensors_stream_from_disk_and_stay_out_of_the_response_cache(tmp_path: Path) -> None:
    store = Path(build_toy_store(tmp_path / "store"))
    sha = "ab" * 32
    big = store / "assets" / sha[:2] / f"{sha}.npy"
    big.parent.mkdir(parents=True, exist_ok=True)
    data = np.random.default_rng(0).bytes(50 * 2**20)  # a 50 MB tensor's worth of bytes
    big.write_bytes(data)
    with TestClient(create_app(Settings(store=store))) as client:
        cache = client.app.state.response_cache
        with client.stream("GET", f"/assets/{sha}.npy") as response:
            assert response.status_code == 200
            chunks = [len(chunk) for chunk in response.iter_raw()]
        assert sum(chunks) == len(data) and len(chunks) > 1  # sent in pieces, not as one body
        small = client.get(BLOCK1).json()["download_url"]
        assert client.get(small).status_code == 200
        assert len(cache) == 1 and cache.bytes < 2**20  # only the JSON was kept; neither tensor
