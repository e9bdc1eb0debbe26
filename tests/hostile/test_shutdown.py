"""SIGTERM stops the server within seconds even while a client holds a request open (uvicorn's graceful-shutdown
timeout, MICROSCOPE_SHUTDOWN_TIMEOUT), on one worker and on several."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.hostile.conftest import serving
from tests.live import clean_env, stop, tail

NOTE = "/api/v1/models/toy-net/layers/block1/units/2/note"
STOP_WITHIN_S = 5.0


def _hold_a_write_open(url: str, token: str) -> socket.socket:
    """An instructor's PUT whose body never finishes arriving: the app waits on it for as long as the socket lives."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (
        f"PUT {NOTE} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"text": "')
    return sock


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_stops_the_server_promptly_while_a_request_is_still_under_way(
    hostile_store: Path, instructor: tuple[str, str], tmp_path: Path, workers: int
) -> None:
    notes_db, token = instructor
    log = tmp_path / "serve.log"
    env = clean_env(MICROSCOPE_NOTES_DB=notes_db)
    with serving(hostile_store, "--workers", str(workers), env=env, log=log) as (url, process):
        held = [_hold_a_write_open(url, token) for _ in range(workers * 2)]  # each worker likely holds one
        with urllib.request.urlopen(url + "/api/v1", timeout=30):  # a round trip: the held requests have arrived
            pass
        seconds = stop(process, timeout=30.0)
        for sock in held:
            sock.close()
    assert seconds < STOP_WITHIN_S, f"SIGTERM took {seconds:.1f} s\n{tail(log)}"
    # The held requests were under way, and cut short by the timeout (uvicorn logs each one it cancels).
    assert "timeout graceful shutdown exceeded" in log.read_text(), tail(log)
