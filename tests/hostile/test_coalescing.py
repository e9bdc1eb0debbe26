"""Many clients asking for the same uncacheable URL at once (a class opening a mistyped link): every request is
answered, nothing is logged as a traceback, and SIGTERM still stops the server promptly."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.hostile.conftest import serving
from tests.live import run_async, stop, tail

# 404s, which the response cache coalesces but never keeps: a unit past the layer's end and a layer that is not there.
UNCACHEABLE = (
    "/models/toy-net/layers/block1/units/99",
    "/api/v1/models/toy-net/layers/block1/units/99",
    "/models/toy-net/layers/nope",
    "/api/v1/models/toy-net/layers/nope",
)
CLIENTS = 40
SECONDS = 6.0  # split evenly between the URLs: all clients ask for one of them at a time
REQUEST_TIMEOUT_S = 20.0  # generous on a busy machine: an answered request takes far less; a lost one never comes
STOP_WITHIN_S = 5.0


async def _client(url: str, start: float, outcomes: Counter[str]) -> None:
    """One client on its own connection, asking for the phase's URL again as soon as it is answered."""
    phase = SECONDS / len(UNCACHEABLE)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        while (elapsed := time.monotonic() - start) < SECONDS:
            path = UNCACHEABLE[min(int(elapsed / phase), len(UNCACHEABLE) - 1)]
            try:
                status = (await client.get(path)).status_code
                outcomes[str(status)] += 1
            except httpx.TimeoutException:
                outcomes["timeout"] += 1
            except httpx.HTTPError as error:
                outcomes[type(error).__name__] += 1


async def _crowd(url: str) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    start = time.monotonic()
    await asyncio.gather(*(_client(url, start, outcomes) for _ in range(CLIENTS)))
    return outcomes


@pytest.mark.parametrize("workers", [1, 2])
def test_identical_uncacheable_requests_are_all_answered_and_sigterm_stops_promptly(
    hostile_store: Path, tmp_path: Path, workers: int
) -> None:
    log = tmp_path / "serve.log"
    with serving(hostile_store, "--workers", str(workers), log=log) as (url, process):
        outcomes = run_async(_crowd(url))
        seconds = stop(process, timeout=30.0)
    assert set(outcomes) == {"404"} and outcomes["404"] > CLIENTS, f"{dict(outcomes)}\n{tail(log)}"
    assert "Traceback" not in log.read_text(), tail(log)
    assert seconds < STOP_WITHIN_S, f"SIGTERM took {seconds:.1f} s\n{tail(log)}"
