"""The worker `microscope demo` serves beside (precompute.demo.worker): it comes up on loopback and stops with the
process that started it, whether that process leaves normally, gets SIGTERM (as uvicorn re-raises it) or is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from precompute.demo.worker import _answers, demo_worker
from precompute.layers import probe_layers
from precompute.zoo import demo_net
from store.records import ModelRecord
from store.writer import StoreWriter

DEMO = "demo-inception"
_HOLDER = """
import sys, time
from pathlib import Path
from precompute.demo.worker import demo_worker
with demo_worker(["demo-inception"], Path(sys.argv[1]), threads=1, echo=lambda _line: None) as url:
    print(url, flush=True)
    time.sleep(600)
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the demo network's model and layers: what the worker checks its weights against."""
    root = tmp_path_factory.mktemp("demo-worker") / "store"
    model = demo_net.build()
    with StoreWriter(root) as writer:
        record = ModelRecord(
            model.id, model.title, model.architecture, model.weights_hash, model.input.as_dict(), model.class_labels
        )
        writer.put_model(record)
        writer.put_layers(model.id, probe_layers(model))
    return root


def _gone(url: str, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _answers(f"{url}/health"):
            return True
        time.sleep(0.2)
    return False


def test_the_worker_answers_on_loopback_and_stops_when_its_context_ends(store: Path) -> None:
    said: list[str] = []
    with demo_worker([DEMO], store, threads=1, echo=said.append) as url:
        assert url is not None and url.startswith("http://127.0.0.1:") and _answers(f"{url}/health")
    assert said == [f"experiments and probes run live in a worker at {url} (loopback only)"]
    assert _gone(url)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_the_worker_stops_when_the_process_that_started_it_is_stopped(store: Path, how: signal.Signals) -> None:
    if how == signal.SIGKILL and not sys.platform.startswith("linux"):
        pytest.skip("only Linux tells a child that its parent died (PR_SET_PDEATHSIG)")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        url = holder.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and _answers(f"{url}/health"), url
        holder.send_signal(how)
        holder.wait(timeout=30)
        assert _gone(url), f"the worker at {url} outlived the process that started it"
    finally:
        holder.kill()
