"""A request's line and headers are bounded: httptools alone kept a 200 MB header whole (the worker grew 400 MB) and
answered it 200. Now past MICROSCOPE_LIMIT_HEAD_BYTES the answer is a 431 naming the limit, and the connection is
closed before more is read."""

from __future__ import annotations

import json
import socket
import threading

from tests.hostile.conftest import Stack
from tests.live import rss_bytes

MIB = 2**20


def _send_head(stack: Stack, head: bytes, chunks: int = 0, chunk: bytes = b"") -> bytes:
    """Send `head`, then `chunks` more copies of `chunk`, while reading what the server answers (empty if nothing)."""
    port = int(stack.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:

        def send() -> None:
            try:
                sock.sendall(head)
                for _ in range(chunks):
                    sock.sendall(chunk)
                sock.sendall(b"\r\n\r\n")
            except OSError:
                pass  # the server answered and closed while the rest was on its way

        sender = threading.Thread(target=send)
        sender.start()
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass  # the answer, if any, came before the reset
        sender.join()
    return answer


def test_a_200_mb_header_is_a_431_and_costs_the_server_little(stack: Stack) -> None:
    before = rss_bytes(stack.process.pid)
    answer = _send_head(stack, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", chunks=200, chunk=b"a" * MIB)
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 431 "), answer[:300]
    assert b"connection: close" in status.lower()
    assert "MICROSCOPE_LIMIT_HEAD_BYTES" in json.loads(body)["detail"]
    assert rss_bytes(stack.process.pid) - before < 50 * MIB


def test_a_long_request_line_is_a_431(stack: Stack) -> None:
    answer = _send_head(stack, b"GET /search?q=" + b"a" * (2 * MIB) + b" HTTP/1.1\r\nHost: x")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]


def test_a_head_within_the_limit_is_served(stack: Stack) -> None:
    cookies = b"".join(b"Cookie: c%d=%s\r\n" % (i, b"v" * 3000) for i in range(12))  # 36 KB: a heavy browser's
    answer = _send_head(stack, b"GET /api/v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + cookies.rstrip(b"\r\n"))
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
