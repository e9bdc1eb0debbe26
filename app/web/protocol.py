"""The HTTP protocol the service runs on: uvicorn's own (httptools), with each request's head bounded.

llhttp, the parser httptools wraps, sets no limit on the request line and headers, and httptools keeps a header's
bytes until it ends: one client sending a 200 MB header grew a worker by 400 MB, then got a 200. `BoundedHead` counts
a head's bytes as they arrive and, once they pass `head_bytes` (MICROSCOPE_LIMIT_HEAD_BYTES), answers 431 and closes
the connection, so a head costs at most that plus one read of the socket. Bodies are bounded by
app/web/request_limits.py.

The close lingers, as nginx's does: a socket closed with unread bytes makes the kernel reset the connection, and a
client still sending would then lose the 431 it had not read yet. So the answer is followed by the end of our side
of the stream, what the client still sends is read and dropped (never kept) for LINGER_S, and then it is closed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.web.limits import Limits, setting

LINGER_S = 2.0  # reading and dropping what a refused client still sends, so that it reads the 431 before the close


class BoundedHead(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 to a request line and headers longer than `head_bytes`."""

    head_bytes: ClassVar[int | None] = None  # read from the settings by the first connection of each process

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if BoundedHead.head_bytes is None:
            BoundedHead.head_bytes = Limits().head_bytes
        self._in_head = True  # between two requests, or before the first: what arrives is a head
        self._head_size = 0  # bytes of the head under way, counted a read at a time
        self._heads = 0  # heads parsed on this connection
        self._refused = False  # answered 431: what still arrives is dropped until the close

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        in_head, heads = self._in_head, self._heads
        super().data_received(data)
        # Counted only when the whole read was head: a read that ends a head may also hold a body or the next head,
        # which is then counted from its next read on (so a head costs at most one read more than the limit).
        if in_head and self._in_head and self._heads == heads:
            self._head_size += len(data)
            if self._head_size > (self.head_bytes or 0) and not self.transport.is_closing():
                self._refuse()

    def on_headers_complete(self) -> None:
        self._in_head, self._head_size, self._heads = False, 0, self._heads + 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def _refuse(self) -> None:
        limit = f"the limit of {self.head_bytes:,} bytes ({setting('head_bytes')})"
        body = json.dumps({"detail": f"request line and headers of more than {self._head_size:,} bytes: over {limit}"})
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self._refused = True  # from now on nothing reaches the parser: it never holds the rest
        self.transport.write((head + body).encode())
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is all: the client reads it, then the end of the stream
        asyncio.get_running_loop().call_later(LINGER_S, self.transport.close)
