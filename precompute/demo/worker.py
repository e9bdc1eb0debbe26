"""The demo's worker: `microscope demo` serves its store with a `microscope probe-worker` beside it, so that a class
can probe its own images and run experiments live (another rule for the hand-built curve family, a unit removed
alone), with nothing more to start.

The worker is a child process on a free loopback port (never reachable from elsewhere), loading the demo's networks
and reading the same store; it stops when the service does, however the service stops: on leaving the context, on a
SIGTERM (which uvicorn re-raises once it has shut down, and which would otherwise end this process before its
`finally`), and on Linux when this process dies of anything (PR_SET_PDEATHSIG). If it does not come up, the demo
serves without it and says so: the stored experiments still show.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

STARTUP_S = 60.0  # importing torch and loading two small networks takes a few seconds on a busy 2-core machine
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies


def _dies_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through `finally`, which stops the worker


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own child on loopback
            return True
    except OSError:
        return False


@contextmanager
def demo_worker(
    models: Sequence[str],
    store: Path,
    *,
    db: str | None = None,
    assets: Path | None = None,
    threads: int | None = None,
    echo: Callable[[str], None] = print,
) -> Iterator[str | None]:
    """A probe and experiment worker for `models` over the store, on loopback: its URL, or None when it did not
    start (said through `echo`)."""
    host = "127.0.0.1"
    port = _free_port(host)
    command = [sys.executable, "-m", "microscope", "probe-worker", "--store", str(store), "--host", host]
    command += ["--port", str(port), *[arg for model in models for arg in ("--model", model)]]
    command += [*(["--db", db] if db else []), *(["--assets", str(assets)] if assets else [])]
    command += ["--threads", str(threads)] if threads else []
    url = f"http://{host}:{port}"
    with tempfile.TemporaryFile() as log:  # its log (a line a request), never a pipe that could fill and block it
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_dies_with_parent)  # noqa: PLW1509
        before = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            deadline = time.monotonic() + STARTUP_S
            while not _answers(f"{url}/health"):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    reason = log.read().decode(errors="replace")[-500:].strip()
                    echo(f"the experiment worker did not start; serving without live experiments. {reason}".strip())
                    yield None
                    return
                time.sleep(0.25)
            echo(f"experiments and probes run live in a worker at {url} (loopback only)")
            yield url
        finally:
            signal.signal(signal.SIGTERM, before)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
