"""The response cache: ETags and 304s, gzip by Accept-Encoding, HEAD, bounds, and outer middlewares left alone."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.schemas import float32
from app.web.cache import LruStore, ResponseCache, accepts_gzip, build_entry, store_version
from store.reader import StoreReader
from store.writer import StoreWriter
from tests import postgres
from tests.conftest import build_toy_store
from tests.live import run_async

UNIT_JSON = "/api/v1/models/toy-net/layers/block1/units/2"
UNIT_PAGE = "/models/toy-net/layers/block1/units/2"
LAYER_PAGE = "/models/toy-net/layers/block1"


def _asset(client: TestClient) -> str:
    return client.get(UNIT_JSON).json()["feature_vis"][0]["url"]


@pytest.mark.parametrize("path", [UNIT_JSON, UNIT_PAGE, LAYER_PAGE, "asset"])
def test_etag_answers_304_to_if_none_match(client: TestClient, path: str) -> None:
    path = _asset(client) if path == "asset" else path
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={"if-none-match": '"other"'}).status_code == 200


def test_etag_carries_the_store_format_version(client: TestClient) -> None:
    version = client.get("/api/v1").json()["format_version"]
    assert client.get(UNIT_JSON).headers["etag"].startswith(f'"{version}-')


def test_if_none_match_takes_lists_weak_tags_and_star(client: TestClient) -> None:
    etag = client.get(UNIT_JSON).headers["etag"]
    for header in (f'"a", {etag}', f"W/{etag}", "*"):
        assert client.get(UNIT_JSON, headers={"if-none-match": header}).status_code == 304


@pytest.mark.parametrize("path", [UNIT_JSON, UNIT_PAGE])
def test_json_and_html_are_gzipped_for_clients_that_accept_it(client: TestClient, path: str) -> None:
    plain = client.get(path, headers={"accept-encoding": "identity"})
    packed = client.get(path, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert plain.headers["vary"] == packed.headers["vary"]  # CORS adds Origin under /api/v1
    assert "Accept-Encoding" in [part.strip() for part in packed.headers["vary"].split(",")]
    assert packed.content == plain.content  # httpx decompressed it
    assert int(packed.headers["content-length"]) < int(plain.headers["content-length"])
    assert packed.headers["etag"] != plain.headers["etag"]


def test_gzip_refused_with_q_zero() -> None:
    assert accepts_gzip(b"gzip, br") and accepts_gzip(b"br;q=1, gzip;q=0.5") and accepts_gzip(b"*")
    assert not accepts_gzip(b"gzip;q=0") and not accepts_gzip(b"identity") and not accepts_gzip(b"")


def test_assets_stay_immutable_and_are_not_gzipped(client: TestClient) -> None:
    response = client.get(_asset(client), headers={"accept-encoding": "gzip"})
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in response.headers and response.content.startswith(b"\x89PNG")
    again = client.get(_asset(client), headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_head_sends_the_cached_headers_without_a_body(client: TestClient) -> None:
    get = client.get(UNIT_JSON, headers={"accept-encoding": "identity"})
    head = client.head(UNIT_JSON, headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_errors_and_redirects_are_not_cached(client: TestClient) -> None:
    assert "etag" not in client.get("/api/v1/models/toy-net/layers/block1/units/99").headers
    assert "etag" not in client.get(UNIT_JSON.replace("/2", "/02")).headers


def test_repeated_request_is_answered_from_the_cache(client: TestClient) -> None:
    cache: LruStore = client.app.state.response_cache  # type: ignore[attr-defined]
    client.get("/api/v1/models/toy-net/layers/conv1")
    entries = len(cache)
    reader = client.app.state.reader  # type: ignore[attr-defined]
    reader.units, original = None, reader.units  # a miss would now fail
    try:
        assert client.get("/api/v1/models/toy-net/layers/conv1").status_code == 200
    finally:
        reader.units = original
    assert len(cache) == entries


def _entry(size: int) -> Any:
    return build_entry("v", [(b"content-type", b"image/png")], b"x" * size)


def test_store_stays_within_its_bytes_dropping_least_recently_used() -> None:
    store = LruStore(max_bytes=10_000)
    for i in range(20):
        store.put((b"h", b"/%d" % i, b""), _entry(1000))
        if i == 10:
            store.get((b"h", b"/5", b""))  # used: kept longer
    assert store.bytes <= 10_000 and len(store) == store.bytes // _entry(1000).size
    assert store.get((b"h", b"/19", b"")) is not None and store.get((b"h", b"/5", b"")) is None
    store.put((b"h", b"/big", b""), _entry(20_000))
    assert store.get((b"h", b"/big", b"")) is None


async def _body_app(scope: Scope, receive: Receive, send: Send) -> None:
    size = 3000 if scope["path"] == "/big" else 100
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for _ in range(3):
        await send({"type": "http.response.body", "body": b"a" * size, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _stamped(app: Any) -> Any:
    """An outer middleware adding a header to every response, as the security headers do."""

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        async def stamp(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-outer", b"1"))
            await send(message)

        await app(scope, receive, stamp)

    return outer


def _get(app: Any, path: str) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [(b"host", b"t")]}
    run_async(app(scope, receive, send))
    return sent


def test_outer_middleware_headers_are_added_once_to_every_cached_response() -> None:
    store = LruStore()
    app = _stamped(ResponseCache(_body_app, store=store, version="v", max_entry_bytes=5000))
    for _ in range(3):
        start = _get(app, "/small")[0]
        assert [k for k, _ in start["headers"]].count(b"x-outer") == 1
    assert len(store) == 1


def test_response_larger_than_an_entry_streams_through_uncached() -> None:
    store = LruStore()
    app = ResponseCache(_body_app, store=store, version="v", max_entry_bytes=5000)
    sent = _get(app, "/big")
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"a" * 9000
    assert len(store) == 0 and b"etag" not in dict(sent[0]["headers"])


def test_gzip_body_is_made_once_and_reads_back() -> None:
    entry = build_entry("v", [(b"content-type", b"application/json")], b'{"a": 1}' * 200)
    assert entry.gzipped is not None and gzip.decompress(entry.gzipped.body) == entry.plain.body


def test_float32_prints_the_shortest_decimal_of_the_float32() -> None:
    assert float32(0.4362299144268036) == 0.4362299
    assert float32(0.1) == 0.1 and float32(-7.5822e-05) == -7.5822e-05 and float32(1e300) == 1e300


def test_concurrent_misses_for_one_url_run_the_app_once() -> None:
    calls: list[str] = []

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await asyncio.sleep(0.01)
        await _body_app(scope, receive, send)

    cache = ResponseCache(slow_app, store=LruStore(), version="v")

    async def burst() -> list[list[Message]]:
        async def one() -> list[Message]:
            sent: list[Message] = []

            async def receive() -> Message:
                return {"type": "http.request", "body": b""}

            async def send(message: Message) -> None:
                sent.append(message)

            scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}
            await cache(scope, receive, send)
            return sent

        return await asyncio.gather(*(one() for _ in range(8)))

    answers = run_async(burst())
    assert calls == ["/x"] and all(sent[0]["status"] == 200 and sent[1]["body"] == b"a" * 300 for sent in answers)


def test_a_store_in_a_database_server_gets_a_new_version_when_a_precompute_adds_to_it(tmp_path: Path) -> None:
    with postgres.store_location("postgresql", tmp_path) as location:
        build_toy_store(location)
        before = store_version(StoreReader(location))
        assert store_version(StoreReader(location)) == before  # the same contents: the same ETags in every worker
        with StoreWriter(location) as writer:
            writer.finish_stage("toy-net", "fc", "tuning", {"curves": []})
        assert store_version(StoreReader(location)) != before


class GatedApp:
    """An ASGI app whose every call waits until the test opens its gate, then answers `status` (or raises)."""

    def __init__(self, status: int = 404, fail: bool = False) -> None:
        self.status = status
        self.fail = fail
        self.gates: list[asyncio.Event] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        if self.fail:
            raise RuntimeError("the app failed")
        await send({"type": "http.response.start", "status": self.status, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"page %d" % self.status})

    def open(self) -> None:
        """Let every call made so far answer."""
        for gate in self.gates:
            gate.set()


class Client:
    """One request to an ASGI app as a task, with what it was sent; `blocked` holds its sends until set."""

    def __init__(self, app: Any, blocked: bool = False) -> None:
        self.sent: list[Message] = []
        self.reading = asyncio.Event()
        if not blocked:
            self.reading.set()
        scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": [(b"host", b"t")]}
        self.task = asyncio.ensure_future(app(scope, self.receive, self.send))

    async def receive(self) -> Message:
        return {"type": "http.request", "body": b""}

    async def send(self, message: Message) -> None:
        await self.reading.wait()  # a client that does not read: the server's send waits
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return self.sent[0]["status"] if self.task.done() and self.sent else None


async def idle() -> None:
    """Run every task that can run until none can (nothing here waits on the clock or on I/O)."""
    for _ in range(50):
        await asyncio.sleep(0)


def _run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    run_async(test())


def test_waiters_of_an_uncacheable_answer_never_take_over_the_key_or_hang() -> None:
    """A 404 built by one request while others wait for it: they each run the app, none re-registers the key, so a
    request arriving meanwhile is never left waiting on a build nobody finishes (the cache's former KeyError)."""
    app = GatedApp(404)
    cache = ResponseCache(app, store=LruStore(), version="v")

    async def scenario() -> None:
        leader = Client(cache)
        await idle()
        waiters = [Client(cache) for _ in range(2)]
        await idle()
        app.open()  # the leader's 404: the waiters run the app themselves, each held at its gate
        await idle()
        late = Client(cache)  # arrives while the two waiters' runs are under way
        await idle()
        for _ in range(3):  # the waiters' runs end one by one, then whatever the late request waits for
            app.open()
            await idle()
        clients = [leader, *waiters, late]
        assert [c.task.done() for c in clients] == [True] * 4
        assert [c.task.exception() for c in clients] == [None] * 4
        assert [c.status for c in clients] == [404] * 4 and not cache._pending

    _run(scenario)


def test_waiters_are_released_before_an_uncacheable_answer_reaches_a_slow_client() -> None:
    """The builder's client not reading its 404 holds only that request: those waiting for it go on at once."""
    app = GatedApp(404)
    cache = ResponseCache(app, store=LruStore(), version="v")

    async def scenario() -> None:
        leader = Client(cache, blocked=True)
        await idle()
        waiter = Client(cache)
        await idle()
        app.open()
        await idle()
        app.open()  # the waiter's own run
        await idle()
        assert waiter.status == 404 and not leader.task.done()
        leader.reading.set()
        await idle()
        assert leader.status == 404 and not cache._pending

    _run(scenario)


def test_a_build_cancelled_midway_lets_its_waiters_build_and_cache_the_page() -> None:
    """The builder's task cancelled (its client gone, or the server shutting down): the waiters still get the page."""
    app = GatedApp(200)
    store = LruStore()
    cache = ResponseCache(app, store=store, version="v")

    async def scenario() -> None:
        leader = Client(cache)
        await idle()
        waiters = [Client(cache) for _ in range(3)]
        await idle()
        leader.task.cancel()
        await idle()
        app.open()
        await idle()
        assert leader.task.cancelled() and [w.status for w in waiters] == [200] * 3
        assert len(store) == 1 and not cache._pending

    _run(scenario)


def test_a_build_that_raises_fails_alone_and_its_waiters_run_the_app() -> None:
    app = GatedApp(fail=True)
    cache = ResponseCache(app, store=LruStore(), version="v")

    async def scenario() -> None:
        leader = Client(cache)
        await idle()
        waiter = Client(cache)
        await idle()
        app.open()
        await idle()
        app.fail, app.status = False, 404
        app.open()
        await idle()
        assert isinstance(leader.task.exception(), RuntimeError) and waiter.status == 404 and not cache._pending

    _run(scenario)


def test_a_cancelled_waiter_leaves_the_build_and_the_other_waiters_alone() -> None:
    app = GatedApp(200)
    cache = ResponseCache(app, store=LruStore(), version="v")

    async def scenario() -> None:
        leader = Client(cache)
        await idle()
        gone, staying = Client(cache), Client(cache)
        await idle()
        gone.task.cancel()
        await idle()
        app.open()
        await idle()
        assert gone.task.cancelled() and leader.status == 200 and staying.status == 200 and len(app.gates) == 1

    _run(scenario)
