"""The probe worker: one forward pass's top units equal a direct one; bad bodies are 4xx; the queue and the deadline
answer 503 and 504; the worker stays up throughout."""

from __future__ import annotations

import io
import json
import threading
import time
import zlib
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from precompute.hooks import LayerTap
from precompute.images import to_input
from precompute.probe.compute import MAX_GRID, probe
from precompute.probe.gate import Gate, QueueFull, Timeout
from precompute.probe.models import ModelSpec, check_against_store, load_models
from precompute.probe.server import Worker, make_server
from precompute.zoo import demo_net
from precompute.zoo.types import LoadedModel
from store.location import StoreLocation
from tests.conftest import TOY_MODEL, build_toy_store


@pytest.fixture(scope="module")
def demo() -> LoadedModel:
    """The demo network with its shipped weights."""
    return demo_net.build()


def _photo(seed: int = 0, size: tuple[int, int] = (90, 70)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_top_units_equal_a_direct_forward_pass(demo: LoadedModel) -> None:
    image = _photo()
    with torch.no_grad(), LayerTap(demo.module, ["mixed3b"]) as tap:
        act = tap.run(demo.input.normalize(to_input(image, demo.input.size).unsqueeze(0)))["mixed3b"][0]
    peaks = act.flatten(1).max(dim=1).values
    result = probe(demo, image, "mixed3b", top=5, unit=7)
    assert [u.unit for u in result.top] == torch.argsort(peaks, descending=True)[:5].tolist()
    assert [u.value for u in result.top] == pytest.approx(peaks.sort(descending=True).values[:5].tolist())
    assert result.chosen is not None and np.allclose(result.chosen.map, act[7].numpy(), atol=1e-5)
    assert result.grid == tuple(act.shape[1:]) and result.units == act.shape[0]


def test_maps_are_pooled_to_the_grid_limit_keeping_the_peak(demo: LoadedModel) -> None:
    result = probe(demo, _photo(size=(400, 400)), "conv2d0", top=1)  # 32×32 positions: exactly the limit
    assert len(result.top[0].map) <= MAX_GRID and max(map(max, result.top[0].map)) == pytest.approx(result.top[0].value)


def test_a_linear_layer_has_one_position(demo: LoadedModel) -> None:
    result = probe(demo, _photo(), "fc", top=3)
    assert result.grid == (1, 1) and all(len(u.map) == 1 for u in result.top)


def test_unknown_layer_and_unit_name_the_valid_ones(demo: LoadedModel) -> None:
    with pytest.raises(KeyError, match="mixed4b"):
        probe(demo, _photo(), "mixed9z")
    with pytest.raises(KeyError, match="units 0–"):
        probe(demo, _photo(), "fc", unit=99)


def test_gate_refuses_beyond_its_queue_and_times_out() -> None:
    gate, release = Gate(queue=0, timeout=0.3), threading.Event()
    runner = threading.Thread(target=lambda: gate.run(release.wait))
    runner.start()
    time.sleep(0.05)
    with pytest.raises(QueueFull):
        gate.run(lambda: 1)
    release.set()
    runner.join()
    with pytest.raises(Timeout):
        gate.run(lambda: time.sleep(1))
    time.sleep(0.8)  # the timed-out pass ends and frees its place
    assert gate.run(lambda: 2) == 2


def test_model_specs_take_a_weights_file() -> None:
    assert ModelSpec.parse("demo-inception=w.pt") == ModelSpec("demo-inception", Path("w.pt"))
    assert ModelSpec.parse("models/x.toml") == ModelSpec("models/x.toml", None)
    with pytest.raises(ValueError, match="no model"):
        load_models([])


def test_store_with_other_weights_is_refused(tmp_path: Path, demo: LoadedModel) -> None:
    build_toy_store(tmp_path)
    toy = load_models([ModelSpec("toy")], loader=lambda *_: _renamed(demo, TOY_MODEL))
    with pytest.raises(ValueError, match="precomputed with weights"):
        check_against_store(toy, StoreLocation.folder(tmp_path))
    assert "not in the store" in check_against_store({demo.id: demo}, StoreLocation.folder(tmp_path))[0]


def _renamed(model: LoadedModel, model_id: str) -> LoadedModel:
    return LoadedModel(**{**model.__dict__, "id": model_id})


@pytest.fixture(scope="module")
def worker_url(demo: LoadedModel) -> Iterator[tuple[str, int, Worker]]:
    """The real worker over the demo network on a free loopback port: (host, port, worker)."""
    worker = Worker({demo.id: demo}, Gate(queue=1, timeout=5))
    server = make_server(worker, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_port, worker
    server.shutdown()
    server.server_close()


def _post(where: tuple[str, int, Worker], query: str, body: bytes) -> tuple[int, dict]:
    connection = HTTPConnection(where[0], where[1], timeout=30)
    connection.request("POST", f"/probe?{query}", body=body, headers={"content-type": "image/png"})
    response = connection.getresponse()
    status, payload = response.status, json.loads(response.read())
    connection.close()
    return status, payload


def _health(where: tuple[str, int, Worker]) -> int:
    connection = HTTPConnection(where[0], where[1], timeout=10)
    connection.request("GET", "/health")
    status = connection.getresponse().status
    connection.close()
    return status


def test_worker_answers_a_probe_over_http(worker_url: tuple[str, int, Worker], demo: LoadedModel) -> None:
    image = _photo(1)
    status, payload = _post(worker_url, "model=demo-inception&layer=mixed4a&top=4&unit=3", _png(image))
    direct = probe(demo, image, "mixed4a", top=4, unit=3)
    assert status == 200, payload
    assert [u["unit"] for u in payload["top"]] == [u.unit for u in direct.top]
    assert payload["chosen"]["value"] == pytest.approx(direct.chosen.value)


def _huge_png(side: int = 20_000) -> bytes:
    """A valid side×side 1-bit PNG of zeros: a few tens of kilobytes that would decode to `side`² pixels."""
    chunk = lambda kind, data: (  # noqa: E731
        len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    )
    compressor, row = zlib.compressobj(9), bytes(1 + side // 8)
    idat = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000)) + compressor.flush()
    ihdr = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"just some text\n", 415),
        (_png(_photo())[:300], 422),
        (_huge_png(), 413),
    ],
    ids=["text", "truncated-png", "20000x20000-png"],
)
def test_bad_bodies_are_refused_and_the_worker_stays_up(
    worker_url: tuple[str, int, Worker], body: bytes, status: int
) -> None:
    answer = _post(worker_url, "model=demo-inception&layer=mixed4a", body)
    assert answer[0] == status, answer[1]
    assert _health(worker_url) == 200


@pytest.mark.parametrize("number", ["top=%C2%B2", "top=%E2%91%A0", "top=%D9%A3", "unit=%C2%B2", "top=" + "9" * 5000])
def test_numbers_other_than_ascii_digits_are_400(worker_url: tuple[str, int, Worker], number: str) -> None:
    status, payload = _post(worker_url, f"model=demo-inception&layer=mixed4a&{number}", _png(_photo()))
    assert status == 400 and "must be a non-negative integer (digits 0-9)" in payload["detail"]
    assert len(payload["detail"]) < 200 and _health(worker_url) == 200


def test_unknown_model_and_layer_are_404(worker_url: tuple[str, int, Worker]) -> None:
    assert _post(worker_url, "model=nope&layer=mixed4a", b"")[0] == 404
    status, payload = _post(worker_url, "model=demo-inception&layer=nope", b"")
    assert status == 404 and "mixed4b" in payload["detail"]


def test_full_queue_is_503_and_a_slow_pass_504(worker_url: tuple[str, int, Worker], demo: LoadedModel) -> None:
    worker, release = worker_url[2], threading.Event()
    real = worker.compute
    worker.compute = lambda *args: (release.wait(10), real(*args))[1]  # type: ignore[assignment]
    try:
        results: list[int] = []
        body, query = _png(_photo()), "model=demo-inception&layer=mixed4a"
        threads = [threading.Thread(target=lambda: results.append(_post(worker_url, query, body)[0])) for _ in range(2)]
        for thread in threads:  # one running, one waiting: the queue (1) is full
            thread.start()
            time.sleep(0.2)
        assert _post(worker_url, query, body)[0] == 503
        for thread in threads:
            thread.join()
        assert sorted(results) == [504, 504]  # nothing released them within the 5 s deadline
    finally:
        release.set()
        time.sleep(0.2)
        worker.compute = real
    assert _health(worker_url) == 200
