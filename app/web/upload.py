"""An upload read into memory: the raw body, or the parts of a multipart/form-data form.

Starlette's form parser spools files over 1 MB to temporary files; reading the body ourselves (bounded before it is
read, by app/web/request_limits.py) keeps every upload in memory, never on disk. The form is then parsed in memory by
python-multipart's parser (the one Starlette uses), fed the bytes already read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

from app.web.limits import setting


@dataclass
class Upload:
    """A request's file (bytes, its filename and declared type) and its text fields."""

    data: bytes = b""
    filename: str | None = None
    declared_type: str | None = None  # what the client says the file is: a claim, checked by decoding
    fields: dict[str, str] = field(default_factory=dict)


async def read_upload(request: Request, max_bytes: int, file_field: str = "image") -> Upload:
    """The file of a multipart form (field `file_field`) with its fields, a urlencoded form's fields, or the raw body.

    The body was bounded before it was read (app/web/request_limits.py: the route's `upload_bytes` and room for the
    form's fields); the file in it is held to `max_bytes` here.
    """
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("application/x-www-form-urlencoded"):  # fields only: a dataset image's source
        return Upload(fields={**request.query_params, **dict(parse_qsl(body.decode("utf-8", "replace")))})
    if not content_type.lower().startswith("multipart/form-data"):
        fields = {k: v for k, v in request.query_params.items()}
        return Upload(body, None, content_type.split(";")[0].strip() or None, fields)
    upload = parse_multipart(body, content_type, file_field)
    if len(upload.data) > max_bytes:
        raise too_large(len(upload.data), max_bytes)
    upload.fields = {**request.query_params, **upload.fields}
    return upload


def too_large(size: int, limit: int) -> HTTPException:
    """The 413 of an uploaded file over the limit."""
    return HTTPException(
        413, f"upload of {size:,} bytes is over the limit of {limit:,} bytes ({setting('upload_bytes')})"
    )


def parse_multipart(body: bytes, content_type: str, file_field: str = "image") -> Upload:
    """The file part (`file_field`) and the text fields of a multipart/form-data body (python-multipart); 400 when
    malformed."""
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
        "on_part_end": lambda: _add_part(upload, part, file_field),
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


def _add_part(upload: Upload, part: _Part, file_field: str) -> None:
    _, params = parse_options_header(part.headers.get("content-disposition", ""))
    name = params.get(b"name", b"").decode("utf-8", "replace")
    if b"filename" in params:
        if name == file_field and params[b"filename"]:  # a form whose file input was left empty sends filename=""
            upload.data, upload.filename = bytes(part.content), params[b"filename"].decode("utf-8", "replace")
            upload.declared_type = part.headers.get("content-type")
    elif name:
        upload.fields[name] = part.content.decode("utf-8", "replace")
