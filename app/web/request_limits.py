"""The address and body limits of app/web/limits.py, enforced by one ASGI middleware before any route reads a byte.

A query string over `query_bytes` → 414. A body whose Content-Length is over its route's limit → 413 before any
handler runs, so before authentication; a chunked body, or one longer than it said, is counted as it arrives and cut
at the limit with a 413. Browsers and urllib send the whole body before they read the answer, and a connection closed
on unread bytes reaches them as a reset instead of the 413: so the rest of an oversized body, up to DRAIN_BYTES, is
read and dropped before answering. A longer one, or one whose client asked `Expect: 100-continue` (curl, for big
uploads: it waits for the go-ahead and gets the 413 instead), is answered at once and its connection closed.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import error_response
from app.web.limits import Limits, body_limit, setting

DRAIN_BYTES = 128 * 2**20  # read and dropped at most, so that a browser sees the 413; a longer body is cut off
CLOSE = {"connection": "close"}  # uvicorn closes the connection after the answer: the body's rest is never read


class RequestLimits:
    """ASGI middleware answering 414 and 413 for a request over the limits, before the app sees its body."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = len(scope.get("query_string", b""))
        if query > self.limits.query_bytes:
            limit = f"the limit of {self.limits.query_bytes:,} bytes ({setting('query_bytes')})"
            await refuse(scope, receive, send, HTTPException(414, f"query string of {query:,} bytes is over {limit}"))
            return
        body = body_limit(scope["path"])
        size = body.size(self.limits)
        explained = f"the limit of {size:,} bytes for {body.explain(self.limits)}"
        headers = Headers(scope=scope)
        declared = _declared_length(headers)
        if declared is not None and declared > size:
            early = headers.get("expect", "").lower() == "100-continue" or declared > DRAIN_BYTES
            drained = False if early else await drain(receive, 0)
            detail = f"request body of {declared:,} bytes is over {explained}"
            await refuse(scope, receive, send, HTTPException(413, detail, None if drained else CLOSE))
            return
        counted = _Counted(receive, send, size, f"request body of more than {size:,} bytes is over {explained}")
        await self.app(scope, counted.receive, counted.send)


class _Counted:
    """The app's receive and send, counting the body's bytes: past the limit, receive raises the 413."""

    def __init__(self, receive: Receive, send: Send, limit: int, detail: str) -> None:
        self._receive, self._send = receive, send
        self.limit, self.detail = limit, detail
        self.received = 0
        self.answered = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received <= self.limit:
            return message
        if self.answered:  # the answer is on its way (a stream listening for the client leaving): stop reading
            return {"type": "http.disconnect"}
        drained = not message.get("more_body", False) or await drain(self._receive, self.received)
        raise HTTPException(413, self.detail, None if drained else CLOSE)

    async def send(self, message: Message) -> None:
        self.answered = self.answered or message["type"] == "http.response.start"
        await self._send(message)


async def drain(receive: Receive, received: int) -> bool:
    """Read and drop the rest of the body; False when it went past DRAIN_BYTES (the connection is to be closed)."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return False
        received += len(message.get("body", b""))
        if received > DRAIN_BYTES:
            return False
        if not message.get("more_body", False):
            return True


async def refuse(scope: Scope, receive: Receive, send: Send, error: HTTPException) -> None:
    """Answer `error` in the app's format (JSON under /api, an HTML page elsewhere), without calling the app."""
    response = error_response(Request(scope, receive), error.status_code, error.detail)
    response.headers.update(error.headers or {})
    await response(scope, receive, send)


def _declared_length(headers: Headers) -> int | None:
    """The Content-Length a request declares, or None (chunked, absent, or not a number: counted as it comes)."""
    value = headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None
