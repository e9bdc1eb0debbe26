"""The HTTP protocol the service runs on: uvicorn's own (httptools), with each request's head bounded.

llhttp, the parser httptools wraps, sets no limit on the request line and headers, and httptools keeps a header's
bytes until it ends: one client sending a 200 MB header grew a worker by 400 MB, then got a 200. `BoundedHead` counts
a head's bytes as they arrive and, once they pass `head_bytes` (MICROSCOPE_LIMIT_HEAD_BYTES), answers 431 and closes
the connection, so a head costs at most that plus one read of the socket. Bodies are bounded by app/request_limits.py.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.limits import Limits, setting


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

    def data_received(self, data: bytes) -> None:
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
        self.transport.write((head + body).encode())
        self.transport.close()  # no more is read: the parser never holds the rest
