"""A stand-in probe worker for the app's tests: the HTTP protocol of `microscope probe-worker`, canned answers.

The app's tests stay torch-free; tests/precompute/test_probe_worker.py checks the real worker's answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOY_LAYERS = {"conv1": 4, "block1": 6, "fc": 3}


class FakeWorker:
    """What the fake answers: `status` other than 200 makes every probe fail with it; `bodies` records what came."""

    def __init__(self) -> None:
        self.status = 200
        self.bodies: list[bytes] = []

    def answer(self, query: dict[str, str]) -> dict:
        """Units in reverse order, unit u peaking at u + 1 in the top-left corner of a 2×2 map."""
        units = TOY_LAYERS[query["layer"]]
        order = list(reversed(range(units)))[: int(query.get("top", 8))]
        found = lambda u: {"unit": u, "value": u + 1.0, "map": [[u + 1.0, 0.0], [0.0, 0.5]]}  # noqa: E731
        chosen = found(int(query["unit"])) if "unit" in query else None
        return {"model": query["model"], "layer": query["layer"], "units": units, "grid": [2, 2],
                "top": [found(u) for u in order], "chosen": chosen}  # fmt: skip


@contextmanager
def fake_worker() -> Iterator[tuple[str, FakeWorker]]:
    """A FakeWorker on a free loopback port: (base URL, worker)."""
    fake = FakeWorker()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self._send(200, {"models": {"toy-net": {"layers": list(TOY_LAYERS), "input_size": 8}}})

        def do_POST(self) -> None:  # noqa: N802
            fake.bodies.append(self.rfile.read(int(self.headers["content-length"])))
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            if fake.status != 200:
                self._send(fake.status, {"detail": f"fake refusal {fake.status}"})
            else:
                self._send(200, fake.answer(query))

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", fake
    finally:
        server.shutdown()
        server.server_close()
