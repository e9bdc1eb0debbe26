"""Serve repeated GETs from memory: a served store never changes, so each page, JSON and asset is built once.

`ResponseCache` is a pure ASGI middleware, innermost of the app's middlewares: on a miss it runs the app, keeps a 200
response's body (and its gzip, made once) under the request's key in a bounded LRU, and answers from there: gzip when
the client accepts it, 304 when `If-None-Match` holds its ETag. Outer middlewares (headers, HEAD) still run on every
response, cached or not, since what is cached is what the app below returned.

The key is everything of the request a cached page may depend on: the scheme and `Host` (absolute links, which
app.web.security.FixedOrigin and the trusted proxies settle), the path, the query and the notes' generation. The other
request headers a page could read never reach a cached one: Accept-Encoding, If-None-Match and Range are answered
here; a signed-in browser's cookie bypasses the cache; an answer setting a cookie or saying `no-store` is not kept.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.db import database_path, folder_of
from store.reader import StoreReader

MAX_BYTES = 64 * 2**20  # per worker process
MAX_ENTRY_BYTES = 2 * 2**20  # larger responses pass through uncached (streamed as the app sends them)
MIN_GZIP_BYTES = 512  # below this gzip's header and the Vary bookkeeping cost more than they save
ENTRY_OVERHEAD = 1024  # a rough count of an entry's headers and bookkeeping, so that tiny entries are bounded too
CACHED_TYPES = (b"text/", b"application/json", b"application/javascript", b"image/")
COMPRESSIBLE_TYPES = (b"text/", b"application/json", b"application/javascript", b"image/svg+xml")
# Request headers the app below never sees on a miss: the cache answers them itself (or, Range, bypasses).
_CONDITIONAL = {b"if-none-match", b"if-modified-since", b"accept-encoding", b"range"}
# Response headers the cache replaces: it sends its own length, validator and encoding.
_REPLACED = {b"content-length", b"etag", b"content-encoding", b"vary"}
_FILE_SENDING = {"http.response.pathsend", "http.response.zerocopysend"}

Headers = list[tuple[bytes, bytes]]
Key = tuple[bytes, ...]


def store_version(reader: StoreReader) -> str:
    """The store's format version and identity, read once: its database file's size and mtime, else its URL and
    contents (a store in a database server keeps its URL when a precompute adds to it)."""
    folder = folder_of(reader.location.db_url)
    if folder is not None and database_path(folder).is_file():
        stat = database_path(folder).stat()
        identity = f"{stat.st_size}:{stat.st_mtime_ns}"
    else:
        identity = f"{reader.location.db_url}\n{reader.contents_stamp()}"
    return f"{reader.format_version}-{hashlib.blake2b(identity.encode(), digest_size=6).hexdigest()}"


@dataclass(frozen=True)
class Variant:
    """One encoding of a cached response: its complete headers and its body."""

    etag: bytes
    headers: Headers
    body: bytes


@dataclass(frozen=True)
class Entry:
    """A cached 200: the body as the app sent it, gzipped when worth it, and what a 304 repeats."""

    plain: Variant
    gzipped: Variant | None
    not_modified: Headers
    size: int

    def variant(self, accepts_gzip: bool) -> Variant:
        """The gzip variant for a client that takes it, else the plain one."""
        return self.gzipped if accepts_gzip and self.gzipped is not None else self.plain

    def matches(self, if_none_match: bytes) -> bool:
        """Whether an If-None-Match header names either variant (weak comparison, as RFC 9110 asks for it)."""
        tags = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
        return b"*" in tags or self.plain.etag in tags or (self.gzipped is not None and self.gzipped.etag in tags)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key == name), b"")


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether an Accept-Encoding header allows gzip (named, or `*`, without `q=0`)."""
    for item in accept_encoding.lower().split(b","):
        coding, _, params = item.partition(b";")
        if coding.strip() in (b"gzip", b"*"):
            q = params.strip().removeprefix(b"q=")
            return not params.strip() or q.rstrip(b"0").rstrip(b".") not in (b"", b"0")
    return False


def build_entry(version: str, headers: Headers, body: bytes) -> Entry:
    """An entry for a 200 the app sent: ETags from the store version and the body's hash, gzip once if it pays."""
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    tag = f'"{version}-{digest}'.encode()
    kept = [(k, v) for k, v in headers if k not in _REPLACED]
    content_type = _header(headers, b"content-type")
    compressible = content_type.startswith(COMPRESSIBLE_TYPES) and len(body) >= MIN_GZIP_BYTES
    vary = [(b"vary", b"Accept-Encoding")] if compressible else []
    plain = Variant(tag + b'"', [*kept, *vary, (b"etag", tag + b'"'), (b"content-length", b"%d" % len(body))], body)
    gzipped = None
    if compressible:
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        if len(packed) < len(body):
            length = (b"content-length", b"%d" % len(packed))
            gzip_headers = [*kept, *vary, (b"content-encoding", b"gzip"), (b"etag", tag + b'.gz"'), length]
            gzipped = Variant(tag + b'.gz"', gzip_headers, packed)
    validators = [(k, v) for k, v in kept if k in (b"cache-control", b"expires", b"content-location")]
    size = len(body) + (len(gzipped.body) if gzipped else 0) + ENTRY_OVERHEAD
    return Entry(plain, gzipped, [*validators, *vary], size)


class LruStore:
    """Entries by key, least recently used dropped first, bounded by their total size."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Entry | None:
        """The entry, now the most recently used, or None."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()
        self.bytes = 0

    def put(self, key: Key, entry: Entry) -> None:
        """Keep the entry, dropping the least recently used ones until the total fits."""
        if entry.size > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        self.bytes += entry.size - (old.size if old else 0)
        self._entries[key] = entry
        while self.bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.bytes -= dropped.size


class ResponseCache:
    """ASGI middleware answering GET and HEAD from an `LruStore` of the app's 200 responses (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: LruStore,
        version: str,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
        generation: Callable[[], object] | None = None,
        private_cookie: bytes | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.version = version
        self.max_entry_bytes = max_entry_bytes
        # What else pages show that can change (the notes): read per request and part of the key, so that an entry
        # made before a change is never found after it, in this process or another.
        self.generation = generation
        self.private_cookie = private_cookie  # a request carrying it gets a page of its own (a signed-in instructor)
        self._pending: dict[Key, asyncio.Future[Entry | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers: Headers = scope["headers"]
        if _header(headers, b"range") or self._private(headers):  # partial content is the app's business
            await self.app(scope, receive, send)
            return
        generation = str(self.generation()).encode() if self.generation else b""
        path = scope.get("raw_path") or scope["path"].encode()
        key = (scope.get("scheme", "http").encode(), _header(headers, b"host"), path, scope["query_string"], generation)
        entry = self.store.get(key)
        if entry is None:
            entry = await self._coalesced(scope, receive, send, key)
            if entry is None:
                return  # not cacheable: the app's response has been sent as it was
        await _answer(entry, headers, send, head=scope["method"] == "HEAD")

    async def _coalesced(self, scope: Scope, receive: Receive, send: Send, key: Key) -> Entry | None:
        """The entry for `key`, built here or, while another request builds it, waited for.

        Waiting is not bounded: the builder publishes as soon as its answer is known not to be kept (before sending
        it to a client that may read slowly) and, whatever else happens, when its app call ends; so a waiter waits
        at most one run of the app, which it would otherwise have made itself.
        """
        pending = self._pending.get(key)
        if pending is None:
            return await self._lead(scope, receive, send, key)
        entry = await asyncio.shield(pending)  # a waiter cancelled (shutdown) leaves the others waiting
        if entry is None:  # not cacheable, or the build failed: answer alone, never taking the key over
            return await self._fill(scope, receive, send, key, release=lambda: None)
        return entry

    async def _lead(self, scope: Scope, receive: Receive, send: Send, key: Key) -> Entry | None:
        """`_fill`, publishing what it got to the requests for the same key that arrive meanwhile."""
        pending: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = pending

        def publish(entry: Entry | None) -> None:
            # Only this build's own registration is removed, and its future is resolved exactly once.
            if self._pending.get(key) is pending:
                del self._pending[key]
            if not pending.done():
                pending.set_result(entry)  # None: the waiters run the app themselves

        entry = None
        try:
            entry = await self._fill(scope, receive, send, key, release=lambda: publish(None))
        finally:  # an exception or a cancellation (shutdown) publishes None too
            publish(entry)
        return entry

    async def _fill(
        self, scope: Scope, receive: Receive, send: Send, key: Key, release: Callable[[], None]
    ) -> Entry | None:
        """Run the app; cache and return its 200, or pass anything else through (calling `release` first: it will
        not be kept) and return None."""
        headers = [(k, v) for k, v in scope["headers"] if k not in _CONDITIONAL]
        # Without the server's file-sending extensions the app sends bodies as messages, which can be kept.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k not in _FILE_SENDING}
        inner = {**scope, "method": "GET", "headers": headers, "extensions": extensions}
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False
        done = False

        async def capture(message: Message) -> None:
            nonlocal start, size, passing, done
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
                passing = not self._cacheable(message)
                if passing:
                    release()
                    await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                done = not message.get("more_body", False)
                if size > self.max_entry_bytes and not done and start is not None:  # too big to keep: stream it
                    passing = True
                    release()
                    await send(start)
                    await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})

        await self.app(inner, receive, capture)
        if passing or start is None or not done:
            return None
        entry = build_entry(self.version, list(start.get("headers", [])), b"".join(chunks))
        if size <= self.max_entry_bytes:
            self.store.put(key, entry)
        return entry

    def _private(self, headers: Headers) -> bool:
        if self.private_cookie is None:
            return False
        cookies = b";".join(value for key, value in headers if key == b"cookie")
        return any(c.strip().startswith(self.private_cookie + b"=") for c in cookies.split(b";"))

    @staticmethod
    def _cacheable(start: Message) -> bool:
        headers = start.get("headers", [])
        cacheable_type = _header(headers, b"content-type").startswith(CACHED_TYPES)
        live = b"no-store" in _header(
            headers, b"cache-control"
        )  # a page saying so shows live state (app.probe.present)
        return start["status"] == 200 and cacheable_type and not _header(headers, b"set-cookie") and not live


async def _answer(entry: Entry, headers: Headers, send: Send, *, head: bool) -> None:
    """Send the entry: 304 when the client holds it, else the variant its Accept-Encoding takes."""
    if_none_match = _header(headers, b"if-none-match")
    variant = entry.variant(accepts_gzip(_header(headers, b"accept-encoding")))
    if if_none_match and entry.matches(if_none_match):
        not_modified = [*entry.not_modified, (b"etag", variant.etag)]  # a new list: outer middlewares add to it
        await send({"type": "http.response.start", "status": 304, "headers": not_modified})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": list(variant.headers)})
    await send({"type": "http.response.body", "body": b"" if head else variant.body})
