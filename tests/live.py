"""Real processes on loopback for the tests: a free port, a `microscope` command started and awaited until a URL
answers, then stopped by its handle (never by name), with what it printed at hand for the assertion messages."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import REPO

T = TypeVar("T")
STARTUP_S = 90.0  # a fresh interpreter importing the app (or torch, for a probe worker) on a busy two-core machine


def free_port() -> int:
    """A port nothing listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def microscope_command(*args: str) -> list[str]:
    """The `microscope` command line of this checkout."""
    return [sys.executable, "-m", "microscope", *args]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the caller's MICROSCOPE_* settings (the tests' offline flag kept), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROSCOPE_") or k == "MICROSCOPE_OFFLINE"}
    return {**env, **extra}


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether `url` answers at all (any HTTP status counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@contextmanager
def running(
    args: list[str], ready_url: str, *, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`args` started (in its own session, so that its workers stop with it), yielded once `ready_url` answers, then
    stopped with SIGTERM (SIGKILL after 10 s). Its stdout and stderr go to `log` when given, else are dropped."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not answers(ready_url):
            if process.poll() is not None:
                raise AssertionError(f"{args[2:4]} exited with {process.returncode}: {tail(log)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{args[2:4]} did not answer {ready_url} within {STARTUP_S:g} s: {tail(log)}")
            time.sleep(0.2)
        yield process
    finally:
        stop(process)
        if log:
            out.close()


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> float:
    """SIGTERM to the process's group, SIGKILL after `timeout`; the seconds it took to exit."""
    start = time.monotonic()
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return time.monotonic() - start


def tail(log: Path | None, chars: int = 3000) -> str:
    """The end of what a process printed, for an assertion message."""
    if log is None or not log.exists():
        return "(output not kept)"
    return log.read_bytes()[-chars:].decode("utf-8", "replace")


def rss_bytes(pid: int) -> int:
    """The resident memory of a process now (Linux /proc)."""
    fields = Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()
    return int(fields[0]) * 1024


def peak_rss_bytes(pid: int) -> int:
    """The highest resident memory a process has had (Linux /proc, VmHWM)."""
    fields = Path(f"/proc/{pid}/status").read_text().split("VmHWM:")[1].split()
    return int(fields[0]) * 1024


def reset_peak_rss(pid: int) -> None:
    """Start a process's peak resident memory (VmHWM) afresh from its memory now (Linux /proc, a process of ours)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` on a thread of its own: the session's Playwright browser keeps an event loop running
    on the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
