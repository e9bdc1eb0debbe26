"""An upload read into memory within a byte limit: the raw body, or the parts of a multipart/form-data form.

Starlette's form parser spools files over 1 MB to temporary files; reading the stream ourselves keeps every
upload in memory, never on disk, and stops reading one byte past the limit. The form is then parsed in memory by
python-multipart's parser (the one Starlette uses), fed the bytes already read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and the small fields beside the file
DRAIN_BYTES = 128 * 2**20  # an oversized body is read (and dropped) up to here, so that its sender sees the 413


@dataclass
class Upload:
    """A request's file (bytes, its filename and declared type) and its text fields."""

    data: bytes = b""
    filename: str | None = None
    declared_type: str | None = None  # what the client says the file is: a claim, checked by decoding
    fields: dict[str, str] = field(default_factory=dict)


async def read_limited(request: Request, limit: int, file_limit: int) -> bytes:
    """The body, or 413 once it is longer than `limit` bytes; never more than `limit` bytes are kept.

    `file_limit` is the limit the message names: the file's, which a form's overhead adds to. A client that sends
    its whole body before reading the answer (browsers, urllib) would see a reset connection instead of the 413, so
    the rest of an oversized body is read and dropped, up to DRAIN_BYTES; a client that asked `Expect:
    100-continue` (curl, for big uploads) gets the 413 before it sends anything.
    """
    declared = request.headers.get("content-length", "")
    expects = request.headers.get("expect", "").lower() == "100-continue"
    if declared.isdigit() and int(declared) > limit and (expects or int(declared) > DRAIN_BYTES):
        raise too_large(int(declared), file_limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_BYTES:
            break  # no more reading: this client gets a reset connection
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise too_large(size, file_limit)
    return b"".join(chunks)


def too_large(size: int, limit: int) -> HTTPException:
    """The 413 of an upload over the limit."""
    return HTTPException(413, f"upload of {size:,}+ bytes is over the limit of {limit:,} bytes ({limit // 2**20} MB)")


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The file of a multipart form (field `image`) with its fields, a urlencoded form's fields, or the raw body."""
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("application/x-www-form-urlencoded"):  # fields only: a dataset image's source
        body = await read_limited(request, FORM_OVERHEAD, FORM_OVERHEAD)
        return Upload(fields={**request.query_params, **dict(parse_qsl(body.decode("utf-8", "replace")))})
    if not content_type.lower().startswith("multipart/form-data"):
        data = await read_limited(request, max_bytes, max_bytes)
        fields = {k: v for k, v in request.query_params.items()}
        return Upload(data, None, content_type.split(";")[0].strip() or None, fields)
    body = await read_limited(request, max_bytes + FORM_OVERHEAD, max_bytes)
    upload = parse_multipart(body, content_type)
    if len(upload.data) > max_bytes:
        raise too_large(len(upload.data), max_bytes)
    upload.fields = {**request.query_params, **upload.fields}
    return upload


def parse_multipart(body: bytes, content_type: str) -> Upload:
    """The `image` part and the text fields of a multipart/form-data body (python-multipart); 400 when malformed."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise HTTPException(400, "multipart/form-data without a boundary")
    upload, part = Upload(), _Part()

    def header_end() -> None:
        name = bytes(part.header_name).decode("latin-1").strip().lower()
        part.headers[name] = bytes(part.header_value).decode("latin-1")
        part.header_name.clear()
        part.header_value.clear()

    callbacks = {
        "on_part_begin": part.reset,
        "on_header_field": lambda data, start, end: part.header_name.extend(data[start:end]),
        "on_header_value": lambda data, start, end: part.header_value.extend(data[start:end]),
        "on_header_end": header_end,
        "on_part_data": lambda data, start, end: part.content.extend(data[start:end]),
        "on_part_end": lambda: _add_part(upload, part),
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.write(body)
        parser.finalize()
    except MultipartParseError as error:
        raise HTTPException(400, f"malformed multipart/form-data: {error}") from None
    return upload


@dataclass
class _Part:
    """The part being parsed: its headers (lower-cased names) and content."""

    headers: dict[str, str] = field(default_factory=dict)
    content: bytearray = field(default_factory=bytearray)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)

    def reset(self) -> None:
        self.headers, self.content = {}, bytearray()


def _add_part(upload: Upload, part: _Part) -> None:
    _, params = parse_options_header(part.headers.get("content-disposition", ""))
    name = params.get(b"name", b"").decode("utf-8", "replace")
    if b"filename" in params:
        if name == "image" and params[b"filename"]:  # a form whose file input was left empty sends filename=""
            upload.data, upload.filename = bytes(part.content), params[b"filename"].decode("utf-8", "replace")
            upload.declared_type = part.headers.get("content-type")
    elif name:
        upload.fields[name] = part.content.decode("utf-8", "replace")
