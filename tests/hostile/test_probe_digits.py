"""Unicode digits ('²', '③', '٣') in a probe's unit and top, against the real service and the real worker: a 422 (the
worker: 400) naming what is allowed, never a 500, and both stay up."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from PIL import Image

from tests.hostile.conftest import DEMO, Stack

NUMBERS = [("unit", "²"), ("top", "³"), ("top", "①"), ("unit", "٣"), ("top", "٣")]


def png() -> bytes:
    """A small photo-sized PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def post(url: str, body: bytes, content_type: str) -> tuple[int, str]:
    """POST `body`; the status and the answer's text."""
    request = urllib.request.Request(url, data=body, headers={"content-type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def form(fields: dict[str, str], image: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body of `fields` and an `image` file, and its content type."""
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    file = b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    return b"".join([*parts, file, image, b"\r\n--b--\r\n"]), "multipart/form-data; boundary=b"


@pytest.mark.parametrize(("name", "value"), NUMBERS)
def test_the_service_answers_422_to_unicode_digits(stack: Stack, name: str, value: str) -> None:
    api = f"{stack.url}/api/v1/models/{DEMO}/probe?layer=mixed4b&{name}={quote(value)}"
    status, answer = post(api, png(), "image/png")
    assert status == 422, answer[:300]
    assert "must be a non-negative integer (digits 0-9)" in json.loads(answer)["detail"]
    status, page = post(f"{stack.url}/models/{DEMO}/probe", *form({"layer": "mixed4b", name: value}, png()))
    assert status == 422 and "must be a non-negative integer (digits 0-9)" in page
    assert post(f"{stack.url}/api/v1/models/{DEMO}/probe?layer=mixed4b&unit=3", png(), "image/png")[0] == 200


@pytest.mark.parametrize(("name", "value"), NUMBERS)
def test_the_worker_answers_400_to_unicode_digits(probe_worker: str, name: str, value: str) -> None:
    status, answer = post(f"{probe_worker}/probe?model={DEMO}&layer=mixed4b&{name}={quote(value)}", png(), "image/png")
    assert status == 400, answer[:300]
    assert "must be a non-negative integer (digits 0-9)" in json.loads(answer)["detail"]
    assert post(f"{probe_worker}/probe?model={DEMO}&layer=mixed4b&top=2", png(), "image/png")[0] == 200
