"""`bench/serve.py --cold`: every unit page of the store requested exactly once, then every unit JSON once, so that
no answer comes from the response cache; with `--baseline-checkout DIR`, a second server runs DIR's code on the same
store (or `--baseline-store`) and each URL goes to both, in alternating order, so a busy machine slows both alike.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import serve


@dataclass
class Side:
    """One server's latencies (seconds) and failures over the cold URLs."""

    name: str
    server: serve.Running
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    cpu: float = 0.0  # seconds of CPU the server used over the load

    @property
    def port(self) -> int:
        """The server's port."""
        return self.server.port

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies) or [float("nan")]
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def rate(self, concurrency: int) -> float:
        """Requests per second this server answered while busy: concurrency over the mean latency."""
        return concurrency / statistics.mean(self.latencies) if self.latencies else 0.0

    def line(self, target: str, concurrency: int) -> str:
        """One row of the printed table."""
        p50, p90, p99 = (self.percentile(p) for p in (50, 90, 99))
        mean = 1000 * statistics.mean(self.latencies) if self.latencies else float("nan")
        rate, cpu = self.rate(concurrency), 1000 * self.cpu / max(len(self.latencies), 1)
        return (
            f"{target:<10} {self.name:<9} {len(self.latencies):>6} {rate:>7.1f} "
            f"{p50:>7.1f} {p90:>7.1f} {p99:>7.1f} {mean:>7.1f} {cpu:>7.1f} {self.errors:>6}"
        )


def unit_paths(port: int) -> list[str]:
    """Every unit page of every model in the store, in model and layer order."""
    paths = []
    for model in (m["id"] for m in serve.get_json(port, "/api/v1")["models"]):
        for layer in serve.get_json(port, f"/api/v1/models/{model}")["layers"]:
            paths += [f"/models/{model}/layers/{layer['name']}/units/{u}" for u in range(layer["units"])]
    return paths


async def _get(streams: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes, side: Side) -> None:
    reader, writer = streams
    start = time.perf_counter()
    writer.write(request)
    try:
        status = await serve._read_response(reader)
    except (asyncio.IncompleteReadError, ConnectionError):
        side.errors += 1
        return
    side.latencies.append(time.perf_counter() - start)
    side.errors += status != 200


def _request(path: str, port: int, gzip: bool) -> bytes:
    encoding = b"Accept-Encoding: gzip\r\n" if gzip else b""
    return b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (path.encode(), port, encoding)


async def _client(todo: Iterator[tuple[int, str]], sides: Sequence[Side], gzip: bool) -> None:
    """Take the next URL until none is left and send it to every server; who goes first alternates by URL."""
    streams = [await asyncio.open_connection("127.0.0.1", side.port) for side in sides]
    try:
        for i, path in todo:
            order = list(range(len(sides)))
            if i % 2:
                order.reverse()
            for k in order:
                await _get(streams[k], _request(path, sides[k].port, gzip), sides[k])
    finally:
        for _, writer in streams:
            writer.close()


async def cold_load(paths: Sequence[str], sides: Sequence[Side], concurrency: int, gzip: bool) -> None:
    """Every path once on every server, over `concurrency` keep-alive connections to each."""
    todo = iter(enumerate(paths))  # shared: each client takes the next URL
    await asyncio.gather(*(_client(todo, sides, gzip) for _ in range(concurrency)))


def warm_up(sides: Sequence[Side], page: str, gzip: bool) -> None:
    """Load the code and templates a unit page needs on each server, under URLs the cold load never asks for."""
    for path in (page + "?warm-up", "/api/v1" + page + "?warm-up"):
        asyncio.run(cold_load([path], sides, 1, gzip))


def report(target: str, sides: Sequence[Side], concurrency: int) -> None:
    """The rows of one target, and the baseline's latencies over ours when there is a baseline."""
    for side in sides:
        print(side.line(target, concurrency))
    if len(sides) == 2 and sides[0].latencies and sides[1].latencies:
        ours, base = sides
        ratios = " ".join(f"p{p}={base.percentile(p) / ours.percentile(p):.2f}" for p in (50, 90, 99))
        mean = statistics.mean(base.latencies) / statistics.mean(ours.latencies)
        cpu = base.cpu / ours.cpu if ours.cpu else float("nan")
        print(f"{target:<10} baseline/ours latency: {ratios} mean={mean:.2f}; server CPU per request: {cpu:.2f}")


def run_cold(servers: Sequence[tuple[str, serve.Running]], concurrency: int, gzip: bool, limit: int | None) -> None:
    """Every unit page, then every unit JSON, once per server; a table per target."""
    paths = unit_paths(servers[0][1].port)
    if limit:
        paths = paths[:: max(1, len(paths) // limit)][:limit]  # spread over every layer
    warm_up([Side(name, running) for name, running in servers], paths[0], gzip)
    print(f"{len(paths)} units, concurrency {concurrency} per server, gzip={gzip} (latencies in ms)")
    columns = ("count", "req/s", "p50", "p90", "p99", "mean", "cpu/req", "errors")
    print(f"{'target':<10} {'server':<9} " + " ".join(f"{c:>{6 if c in ('count', 'errors') else 7}}" for c in columns))
    for target, prefix in (("unit page", ""), ("unit JSON", "/api/v1")):
        sides = [Side(name, running) for name, running in servers]
        started, cpu = time.monotonic(), [side.server.cpu_seconds() for side in sides]
        asyncio.run(cold_load([prefix + path for path in paths], sides, concurrency, gzip))
        for side, before in zip(sides, cpu, strict=True):
            side.cpu = side.server.cpu_seconds() - before
        report(target, sides, concurrency)
        if len(sides) == 1:
            print(f"{target:<10} wall-clock {len(paths) / (time.monotonic() - started):.1f} req/s")
