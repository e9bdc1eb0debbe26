"""Hostile uploads against a real server probing through a real worker: twenty 39-megapixel images at once are
decoded a few at a time (the rest answered 429), the server stays under 1 GB and gives the memory back after, and
pages are still served meanwhile."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.hostile.conftest import DEMO, serving
from tests.live import clean_env, peak_rss_bytes, rss_bytes

GB = 2**30
SIDE = 6300  # 39.7 megapixels: under the 40-megapixel limit, so each one is decoded


def blank_png(side: int) -> bytes:
    """A valid side×side RGB PNG of zeros: about 115 KB that decode to side² pixels (160 MB at 6,300)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    compressor, row = zlib.compressobj(9), bytes(1 + 3 * side)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def server(
    hostile_store: Path, probe_worker: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    """A server of its own (its peak memory is this module's), probing through the real worker."""
    log = tmp_path_factory.mktemp("uploads") / "serve.log"
    with serving(hostile_store, "--probe", probe_worker, env=clean_env(), log=log) as (url, process):
        yield url, process.pid


def post(url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """POST an image's bytes; its status, headers and body."""
    request = urllib.request.Request(url, data=body, headers={"content-type": "image/png"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_twenty_39_megapixel_uploads_at_once_keep_the_server_under_1_gb(server: tuple[str, int]) -> None:
    url, pid = server
    image, start = blank_png(SIDE), threading.Barrier(21)
    before = rss_bytes(pid)
    probe = f"{url}/api/v1/models/{DEMO}/probe?layer=mixed4b&top=3"

    def upload(_: int) -> tuple[int, dict[str, str], bytes]:
        start.wait()
        return post(probe, image)

    def page() -> int:
        start.wait()
        with urllib.request.urlopen(f"{url}/models/toy-net/layers/block1/units/2", timeout=300) as response:
            return response.status

    with ThreadPoolExecutor(21) as pool:
        meanwhile = pool.submit(page)
        answers = list(pool.map(upload, range(20)))
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {200, 429, 503}, [body[:200] for status, _, body in answers if status >= 500]
    assert statuses.count(200) >= 2, statuses  # as many as decode at once, at least
    for status, headers, body in answers:
        if status == 429:
            assert headers["retry-after"] and b"MICROSCOPE_LIMIT_DECODE_QUEUE" in body
    assert meanwhile.result() == 200
    peak, kept = peak_rss_bytes(pid), rss_bytes(pid) - before
    assert peak < GB, f"the server's memory peaked at {peak / 2**20:,.0f} MB"
    assert kept < 100 * 2**20, f"the server kept {kept / 2**20:,.0f} MB after the uploads"  # freed, and handed back
