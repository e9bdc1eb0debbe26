"""Uploads decode a few at a time on threads of their own, with a bounded queue: beyond it, 429 naming the limits."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.exceptions import HTTPException

from app.probe.decoding import DecodeGate
from app.web.limits import Limits
from tests.live import run_async


def test_decodes_beyond_the_running_and_waiting_ones_are_429_with_retry_after() -> None:
    gate = DecodeGate(Limits(decodes=2, decode_queue=1))
    release, started = threading.Event(), threading.Semaphore(0)
    threads: set[str] = set()

    def decode(n: int) -> int:
        threads.add(threading.current_thread().name)
        started.release()
        release.wait(10)
        return n

    async def scenario() -> tuple[list[int], HTTPException]:
        running = [asyncio.ensure_future(gate.run(decode, n)) for n in range(3)]  # two decode, one waits
        for _ in range(2):
            await asyncio.to_thread(started.acquire)
        with pytest.raises(HTTPException) as refused:
            await gate.run(decode, 3)
        release.set()
        done = await asyncio.gather(*running)
        return done, refused.value

    try:
        done, refused = run_async(scenario())
    finally:
        gate.close()
    assert done == [0, 1, 2] and len(threads) == 2 and all(t.startswith("decode") for t in threads)
    assert refused.status_code == 429 and refused.headers == {"Retry-After": "5"}
    assert "2 at once (MICROSCOPE_LIMIT_DECODES) and 1 waiting (MICROSCOPE_LIMIT_DECODE_QUEUE)" in refused.detail


def test_a_place_is_free_again_once_its_decode_ends_even_when_it_failed() -> None:
    gate = DecodeGate(Limits(decodes=1, decode_queue=0))

    def fail() -> None:
        raise ValueError("corrupt")

    async def twice() -> int:
        with pytest.raises(ValueError, match="corrupt"):
            await gate.run(fail)
        return await gate.run(int, "7")

    try:
        assert run_async(twice()) == 7
    finally:
        gate.close()
