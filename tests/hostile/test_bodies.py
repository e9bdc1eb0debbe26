"""Hostile bodies against a real server: a stranger's 300 MB is refused before it is read (the server does not grow,
nothing is spooled to disk), invalid JSON without a token is 401, and a body over its limit is never echoed back."""

from __future__ import annotations

import itertools
import json
import os
import select
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.hostile.conftest import Stack, serving
from tests.live import clean_env, peak_rss_bytes, reset_peak_rss, rss_bytes

NOTE = "/api/v1/models/toy-net/layers/conv1/units/1/note"
MB = 2**20
BIG = 300 * MB


@pytest.fixture(scope="module")
def bare(hostile_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    """A server of its own (so that its memory is this module's to measure) whose temporary folder is watched."""
    temp = tmp_path_factory.mktemp("server-tmp")
    log = tmp_path_factory.mktemp("bare") / "serve.log"
    with serving(hostile_store, env=clean_env(TMPDIR=str(temp)), log=log) as (url, process):
        yield url, process.pid, temp


def send(url: str, head: str, chunks: Iterator[bytes], watch: Callable[[], None] = lambda: None) -> tuple[int, str]:
    """Send a request's head, then its body chunk by chunk until the server answers (calling `watch` after each);
    the answer's status and body ((0, why) when the server answered nothing)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=120) as sock:
        sock.sendall(head.encode("latin-1"))
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer came before the body
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            watch()
        return read_answer(sock)


def read_answer(sock: socket.socket) -> tuple[int, str]:
    """The status and body of the answer on `sock`, read until its Content-Length or the connection's end."""
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            received = sock.recv(65536)
            if not received:
                break
            data += received
    except (ConnectionResetError, TimeoutError) as error:
        if not data:
            return 0, f"no answer: {error!r}"
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]) if head else 0, body.decode("utf-8", "replace")


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def still_serving(url: str) -> bool:
    """Whether the server answers a page after the hostile request."""
    with urllib.request.urlopen(url + "/api/v1/models/toy-net", timeout=30) as response:
        return response.status == 200


def spooled(pid: int, folder: Path) -> dict[str, int]:
    """The files in `folder` and those the process holds open there, with their sizes: Python's temporary files have
    no name on Linux (O_TMPFILE), so only the process's descriptors show them."""
    found = {str(path): path.stat().st_size for path in folder.iterdir()}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
            if target.startswith(str(folder)):
                found[target] = os.stat(fd).st_size
        except FileNotFoundError:  # closed meanwhile
            continue
    return found


def spam(total: int, chunk: int = MB) -> Iterator[bytes]:
    """`total` bytes of text, a chunk at a time (the last one shorter)."""
    for start in range(0, total, chunk):
        yield b"x" * min(chunk, total - start)


def test_an_unauthenticated_300_mb_note_is_refused_without_growing_the_server(
    bare: tuple[str, int, Path],
) -> None:
    url, pid, _ = bare
    before = rss_bytes(pid)
    reset_peak_rss(pid)
    head = f"PUT {NOTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n"
    status, body = send(url, head, itertools.chain([b'{"label": "'], spam(BIG - 13), [b'"}']))  # valid JSON
    grown = peak_rss_bytes(pid) - before
    assert grown < 50 * MB, f"the server grew by {grown / MB:.0f} MB and answered {status}"
    assert status in (401, 413), body
    assert "MICROSCOPE_LIMIT_NOTE_BYTES" in json.loads(body)["detail"]
    assert still_serving(url)


def test_a_client_that_waits_to_continue_gets_the_413_before_sending(bare: tuple[str, int, Path]) -> None:
    head = (
        f"PUT {NOTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {BIG}\r\n"
        "Expect: 100-continue\r\n\r\n"
    )
    status, body = send(bare[0], head, iter([]))  # curl waits for "100 Continue"; it gets the answer instead
    assert status == 413 and "MICROSCOPE_LIMIT_NOTE_BYTES" in body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_300_mb_multipart_tour_without_a_session_is_never_spooled(bare: tuple[str, int, Path], chunked: bool) -> None:
    url, pid, temp = bare
    seen: dict[str, int] = {}  # file → the most bytes it held

    def watch() -> None:
        for name, size in spooled(pid, temp).items():
            seen[name] = max(size, seen.get(name, 0))

    part = (
        b'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nx\r\n'
        b'--b\r\nContent-Disposition: form-data; name="tour"; filename="t.yaml"\r\n\r\n'
    )
    end = b"\r\n--b--\r\n"
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(part) + BIG + len(end)}"
    head = f"POST /tours HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n{length}\r\n\r\n"
    parts = itertools.chain([part], spam(BIG), [end])
    body = (b"%x\r\n%s\r\n" % (len(c), c) if chunked else c for c in parts)
    ending = [b"0\r\n\r\n"] if chunked else []
    before = rss_bytes(pid)
    reset_peak_rss(pid)
    status, answer = send(url, head, itertools.chain(body, ending), watch)
    watch()
    assert seen == {}, f"spooled to the temporary folder: {seen}"
    assert peak_rss_bytes(pid) - before < 50 * MB
    assert status in (403, 413), answer[:500]
    assert still_serving(url)


def test_invalid_json_without_a_token_is_401(stack: Stack) -> None:
    request = urllib.request.Request(
        stack.url + NOTE, data=b"{not json", method="PUT", headers={"content-type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401 and "Authorization: Bearer" in json.load(refused.value)["detail"]


def test_a_5_mb_note_with_a_token_is_413_and_not_echoed(stack: Stack) -> None:
    body = json.dumps({"label": "x", "body": "spam" * (5 * MB // 4)}).encode()
    headers = {"content-type": "application/json", "authorization": f"Bearer {stack.token}"}
    request = urllib.request.Request(stack.url + NOTE, data=body, method="PUT", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:  # urllib sends it all, then reads: it sees the 413
        urllib.request.urlopen(request, timeout=60)
    answer = refused.value.read()
    assert refused.value.code == 413 and len(answer) < 1000 and b"spamspam" not in answer
    assert "MICROSCOPE_LIMIT_NOTE_BYTES" in json.loads(answer)["detail"]
