"""A bounded queue in front of one forward pass at a time, with a deadline per request.

Torch already uses every thread it is given for one pass, so passes run one after another on a single executor
thread; requests beyond `queue` waiting ones are refused at once (the caller answers 503), and a request whose
deadline passes is answered 504. A pass cannot be interrupted, so a timed-out pass keeps its place until it ends:
the queue never holds more work than it admits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")


class QueueFull(Exception):
    """Every place in the queue is taken."""


class Timeout(Exception):
    """The request's deadline passed before its pass finished (or started)."""


class Gate:
    """Runs callables one at a time with at most `queue` more waiting, each within `timeout` seconds of arrival."""

    def __init__(self, queue: int = 4, timeout: float = 30.0) -> None:
        if queue < 0 or timeout <= 0:
            raise ValueError(f"queue must be ≥ 0 and timeout > 0, got queue={queue}, timeout={timeout}")
        self.queue = queue
        self.timeout = timeout
        self._places = threading.BoundedSemaphore(queue + 1)  # the running pass and those waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")

    def run(self, work: Callable[[], T], timeout: float | None = None) -> T:
        """`work()`'s result; QueueFull when no place is free, Timeout when the deadline (`timeout` seconds, else the
        gate's) passes first."""
        if not self._places.acquire(blocking=False):
            raise QueueFull(f"{self.queue + 1} passes are running or waiting; try again in a moment")
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        future: Future[T] = self._executor.submit(self._before_deadline, work, deadline)
        future.add_done_callback(lambda _f: self._places.release())
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            raise Timeout(f"no answer within {limit:g} s (the worker is still up; try a smaller experiment)") from None

    @staticmethod
    def _before_deadline(work: Callable[[], T], deadline: float) -> T:
        if time.monotonic() > deadline:  # waited out its time in the queue: no pass for nobody
            raise Timeout("timed out waiting in the queue")
        return work()

    def close(self) -> None:
        """Stop accepting work; passes already queued finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)
