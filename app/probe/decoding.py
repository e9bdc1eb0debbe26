"""Uploaded images decoded a few at a time: `decodes` at once per server process, on threads of their own, with at
most `decode_queue` more waiting; any more are answered 429 with Retry-After.

Decoding a 40-megapixel image holds 160 MB while it runs. Twenty at once on the shared threadpool took a server
from 350 MB to 5.7 GB, and it kept 3.5 GB after: glibc gives each thread a malloc arena of its own, which keeps
memory freed there. Two threads of their own bound the peak, and trimming after each decode what stays.
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.exceptions import HTTPException

from app.web.limits import Limits, setting

T = TypeVar("T")
RETRY_AFTER_S = 5  # a decode takes well under a second; a few of them queue ahead


class DecodeGate:
    """Runs decodes on `limits.decodes` threads, with at most `limits.decode_queue` waiting; 429 beyond that."""

    def __init__(self, limits: Limits) -> None:
        self.decodes, self.queue = limits.decodes, limits.decode_queue
        self._places = threading.BoundedSemaphore(self.decodes + self.queue)  # those decoding and those waiting
        self._executor = ThreadPoolExecutor(max_workers=self.decodes, thread_name_prefix="decode")

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a decode thread; 429 when every place is taken."""
        if not self._places.acquire(blocking=False):
            raise HTTPException(429, self.full_message(), headers={"Retry-After": str(RETRY_AFTER_S)})
        try:
            future = self._executor.submit(_then_trim, work, *args)
        except BaseException:
            self._places.release()
            raise
        # Released when the decode ends, not when its request does: a client that leaves cannot free a thread.
        future.add_done_callback(lambda _done: self._places.release())
        return await asyncio.wrap_future(future)

    def full_message(self) -> str:
        """Why an upload was refused: every decode place is taken."""
        return (
            f"the server is busy decoding uploads: {self.decodes} at once ({setting('decodes')}) and "
            f"{self.queue} waiting ({setting('decode_queue')}) are taken; try again in {RETRY_AFTER_S} seconds"
        )

    def close(self) -> None:
        """Stop the decode threads once their work is done; decodes still waiting are dropped."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _malloc_trim() -> Callable[[int], int]:
    """glibc's malloc_trim, which hands the free memory of every malloc arena back to the system; elsewhere a no-op."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim this way
        return lambda _pad: 0


_TRIM = _malloc_trim()


def _then_trim(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, then the memory it freed handed back: glibc raises its mmap threshold after freeing a large
    block, so the next image's blocks come from this thread's arena, which keeps them once freed (a server kept
    270 MB more after twenty 39-megapixel uploads, 7 MB with the trim)."""
    try:
        return work(*args)
    finally:
        _TRIM(0)
