"""End to end: `microscope probe-worker` and `microscope serve --probe URL` as real processes on loopback ports; the
service, run where torch cannot be imported, probes an image through the worker and gets a direct pass's answer."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from microscope.cli import app
from precompute.layers import probe_layers
from precompute.probe.compute import probe
from precompute.zoo import demo_net
from store.records import ModelRecord
from store.writer import StoreWriter

STARTUP_S = 60.0
_FORM_HEAD = b"--B\r\nContent-Disposition: form-data; name=image; filename=a.png\r\n\r\n"
_NO_TORCH = """
import sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "torchvision"):
            raise ImportError("No module named " + repr(name))

sys.meta_path.insert(0, NoTorch())
sys.argv = ["microscope", *sys.argv[1:]]
from microscope.cli import main
main()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_store(root: Path, weights_hash: str | None = None) -> Path:
    """A store holding only the demo network's model and layers (enough to browse to its probe page)."""
    model = demo_net.build()
    writer = StoreWriter(root)
    weights_hash = weights_hash or model.weights_hash
    writer.put_model(
        ModelRecord(model.id, model.title, model.architecture, weights_hash, model.input.as_dict(), model.class_labels)
    )
    writer.put_layers(model.id, probe_layers(model))
    return root


@contextmanager
def _process(args: list[str], ready_url: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{args[2:4]} exited: {process.stderr.read().decode()[-2000:]}")
            try:
                with urlopen(ready_url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{args[2:4]} did not start within {STARTUP_S:g} s") from None
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()  # only the processes this test started, by their handle
        process.wait(timeout=10)


def _post(url: str, data: bytes, content_type: str) -> tuple[int, dict]:
    request = Request(url, data=data, headers={"content-type": content_type}, method="POST")
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The worker and the torch-free service over a demo store; yields the service's base URL."""
    store = _demo_store(tmp_path_factory.mktemp("demo-probe") / "store")
    worker_port, web_port = _free_port(), _free_port()
    worker = [sys.executable, "-m", "microscope", "probe-worker", "--model", "demo-inception", "--store", str(store),
              "--port", str(worker_port), "--threads", "1", "--timeout", "20"]  # fmt: skip
    web = [sys.executable, "-c", _NO_TORCH, "serve", "--store", str(store), "--port", str(web_port),
           "--probe", f"http://127.0.0.1:{worker_port}"]  # fmt: skip
    with (
        _process(worker, f"http://127.0.0.1:{worker_port}/health"),
        _process(web, f"http://127.0.0.1:{web_port}/api/v1"),
    ):
        yield f"http://127.0.0.1:{web_port}"


def test_a_torch_free_service_probes_through_the_worker(stack: str) -> None:
    rng = np.random.default_rng(3)
    image = Image.fromarray(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    status, body = _post(f"{stack}/api/v1/models/demo-inception/probe?layer=mixed4a&top=5&unit=7", buffer.getvalue(),
                         "image/jpeg")  # fmt: skip
    assert status == 200, body
    with Image.open(io.BytesIO(buffer.getvalue())) as decoded:  # what the service sends: the centre, framed as PNG
        framed = decoded.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR, box=(20, 0, 140, 120))
    direct = probe(demo_net.build(), framed, "mixed4a", top=5, unit=7)
    assert [u["unit"] for u in body["top"]] == [u.unit for u in direct.top]
    assert body["chosen"]["value"] == pytest.approx(direct.chosen.value, rel=1e-4)
    assert body["top"][0]["url"].startswith("/models/demo-inception/layers/mixed4a/units/")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not an image", "image/png", 415),
        # A 50 MB multipart upload: the client sends it all before reading, and must still read a 413, not a reset.
        (_FORM_HEAD + bytes(50 * 2**20) + b"\r\n--B--\r\n", "multipart/form-data; boundary=B", 413),
    ],
    ids=["text", "50-mb"],
)  # fmt: skip
def test_a_bad_upload_is_refused_and_both_stay_up(stack: str, body: bytes, content_type: str, status: int) -> None:
    answer = _post(f"{stack}/api/v1/models/demo-inception/probe", body, content_type)
    assert answer[0] == status, answer[1]
    with urlopen(f"{stack}/api/v1/models/demo-inception/probe", timeout=10) as response:
        assert json.loads(response.read())["worker"] == "up"


def test_worker_with_unknown_model_exits_2_naming_the_valid_ids() -> None:
    done = CliRunner().invoke(app, ["probe-worker", "--model", "nope-net", "--threads", "1"])
    assert done.exit_code == 2 and "unknown model 'nope-net'; valid ids:" in done.stderr


def test_worker_refuses_a_store_precomputed_with_other_weights(tmp_path: Path) -> None:
    store = _demo_store(tmp_path / "store", weights_hash="f" * 64)
    done = CliRunner().invoke(
        app, ["probe-worker", "--model", "demo-inception", "--store", str(store), "--threads", "1"]
    )
    assert done.exit_code == 2 and "the store was precomputed with weights ffffffffffff…" in done.stderr
