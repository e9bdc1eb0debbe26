"""Throughput of `microscope serve` on loopback: req/s, p50, p99 and errors for a unit's JSON and page, a layer grid
and an asset, warm, with 1 and 2 workers. It starts and stops its own server; the load is bounded in time and count.
`--cold` requests every unit page and every unit JSON once instead (bench/serve_cold.py), against a baseline
checkout's server too when `--baseline-checkout` names one.

    PYTHONPATH=$PWD python bench/serve.py --store /tmp/demo --workers 1,2
    PYTHONPATH=$PWD python bench/serve.py --store /tmp/demo --workers 1 --cold --baseline-checkout /tmp/base
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_UNIT = ("demo-inception", "mixed4b", 409)  # the README's demo unit, when the store holds the demo


@dataclass
class Result:
    """What one bounded load on one URL measured."""

    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies) or [float("nan")]
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self) -> str:
        """One row of the printed table."""
        rate = self.requests / self.seconds if self.seconds else 0.0
        p50, p99 = self.percentile(50), self.percentile(99)
        return f"{self.name:<11} {self.requests:>8} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} {self.errors:>6}"


def free_port() -> int:
    """A port nothing listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(port: int, path: str) -> dict:
    """A JSON document from the server (for finding the URLs to load)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.load(response)


@dataclass(frozen=True)
class Running:
    """A server started here: its port, and the id of its session (the server and its workers)."""

    port: int
    session: int

    def cpu_seconds(self) -> float:
        """The CPU time (user and system) the server's processes have used so far (Linux /proc)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:  # the process ended
                continue
            if int(fields[3]) == self.session:  # fields after the name: state, ppid, pgrp, session, …
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(store: Path, workers: int, checkout: Path = ROOT) -> Iterator[Running]:
    """`microscope serve` on a free loopback port with `checkout`'s code (this one's by default); stopped on exit."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "microscope", "serve", "--store", str(store), "--port", str(port)]
    if workers != 1:  # without the option for one, so that checkouts older than --workers can be compared
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command,
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers are stopped with it
    )
    try:
        _wait_until_up(process, port)
        yield Running(port, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(process: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"microscope serve exited with {process.returncode}")
        try:
            get_json(port, "/api/v1")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"microscope serve did not answer within {timeout:.0f} s")


def targets(port: int) -> dict[str, str]:
    """A unit's JSON and page, its layer's grid and its channel image, from what the store holds."""
    models = [m["id"] for m in get_json(port, "/api/v1")["models"]]
    if DEMO_UNIT[0] in models:
        model, layer, unit = DEMO_UNIT
    else:
        first = get_json(port, f"/api/v1/models/{models[0]}")["layers"]
        model, layer, unit = models[0], max(first, key=lambda x: x["units"])["name"], 0
    page = f"/models/{model}/layers/{layer}/units/{unit}"
    asset = get_json(port, "/api/v1" + page)["feature_vis"][0]["url"]
    grid = f"/models/{model}/layers/{layer}"
    return {"unit JSON": "/api/v1" + page, "unit page": page, "layer grid": grid, "asset": asset}


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response off a keep-alive connection; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _connection(port: int, request: bytes, stop: float, budget: list[int], result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.monotonic() < stop:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                result.errors += 1
                return
            result.latencies.append(time.perf_counter() - start)
            result.requests += 1
            result.errors += status != 200
    finally:
        writer.close()


async def load(port: int, name: str, path: str, *, seconds: float, count: int, concurrency: int, gzip: bool) -> Result:
    """GET `path` over `concurrency` keep-alive connections until `seconds` pass or `count` requests are sent."""
    encoding = b"Accept-Encoding: gzip\r\n" if gzip else b""
    request = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (path.encode(), port, encoding)
    result = Result(name, 0, 0, 0.0, [])
    budget = [count]
    start = time.monotonic()
    connections = [_connection(port, request, start + seconds, budget, result) for _ in range(concurrency)]
    await asyncio.gather(*connections)
    result.seconds = time.monotonic() - start
    return result


def run(store: Path, workers: int, args: argparse.Namespace) -> None:
    """Start a server with `workers` processes, warm every URL, then load each in turn and print a table."""
    with server(store, workers) as running:
        port = running.port
        urls = targets(port)
        print(f"\nworkers={workers}  concurrency={args.concurrency}  gzip={args.gzip}  (latencies in ms)")
        print(f"{'target':<11} {'requests':>8} {'req/s':>9} {'p50':>8} {'p99':>8} {'errors':>6}")
        for name, path in urls.items():
            options = {"concurrency": args.concurrency, "gzip": args.gzip}
            asyncio.run(load(port, name, path, seconds=args.warmup, count=args.warmup_count, **options))
            print(asyncio.run(load(port, name, path, seconds=args.seconds, count=args.count, **options)).line())


def run_cold(store: Path, workers: int, args: argparse.Namespace) -> None:
    """Start this checkout's server (and the baseline's, if any) with `workers` processes; every unit once on each."""
    import serve_cold  # beside this script

    with ExitStack() as stack:
        servers = [("ours", stack.enter_context(server(store, workers)))]
        if args.baseline_checkout:
            baseline = server(args.baseline_store or store, workers, args.baseline_checkout.resolve())
            servers.append(("baseline", stack.enter_context(baseline)))
        print(f"\nworkers={workers}  cold: every unit once")
        serve_cold.run_cold(servers, args.concurrency or 1, args.gzip, args.limit)


def default_store() -> Path:
    """The demo store at /tmp/demo when it is there, else the tests' toy store built in a temporary folder."""
    if (Path("/tmp/demo") / "microscope.sqlite").is_file():
        return Path("/tmp/demo")
    sys.path.insert(0, str(ROOT))
    from tests.conftest import build_toy_store  # a complete small store through the public writer

    root = Path(tempfile.mkdtemp(prefix="microscope-bench-"))
    build_toy_store(root)
    return root


def main() -> None:
    """Parse the options and run one load per worker count."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="store folder (default: /tmp/demo if built, else the toy store)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--seconds", type=float, default=5.0, help="at most this long per URL (default 5)")
    parser.add_argument("--count", type=int, default=20_000, help="at most this many requests per URL (default 20000)")
    parser.add_argument("--concurrency", type=int, help="keep-alive connections (default 32; --cold: 1 per server)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per URL, not counted (default 1)")
    parser.add_argument("--warmup-count", type=int, default=2000, help="warm-up requests at most (default 2000)")
    parser.add_argument("--no-gzip", dest="gzip", action="store_false", help="don't send Accept-Encoding: gzip")
    parser.add_argument("--cold", action="store_true", help="every unit page, then every unit JSON, requested once")
    parser.add_argument("--limit", type=int, help="--cold: at most this many units, spread over the layers")
    parser.add_argument("--baseline-checkout", type=Path, help="--cold: also serve with this checkout's code")
    parser.add_argument("--baseline-store", type=Path, help="--cold: the baseline's store (default: --store)")
    args = parser.parse_args()
    store = args.store or default_store()
    print(f"store {store}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for workers in (int(w) for w in args.workers.split(",")):
        if args.cold:
            run_cold(store, workers, args)
        else:
            args.concurrency = args.concurrency or 32
            run(store, workers, args)


if __name__ == "__main__":
    main()
