"""Probe your own image, the web side: uploads are checked by decoding before the worker sees them; each bad one
gets a clear 4xx; the service and the worker stay up; nothing is left on disk; worker trouble is a 503 or 504."""

from __future__ import annotations

import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.web.config import Settings
from app.web.limits import Limits
from app.web.upload import parse_multipart
from store.records import DatasetImageRecord
from store.writer import StoreWriter
from tests.app.probe_fakes import FakeWorker, fake_worker
from tests.conftest import TOY_MODEL, build_toy_store

API = "/api/v1/models/toy-net/probe"
PAGE = "/models/toy-net/probe"


@pytest.fixture(scope="module")
def probing(toy_store: Path) -> Iterator[tuple[TestClient, FakeWorker]]:
    """A client of the service over the toy store with a (fake) probe worker configured."""
    with fake_worker() as (url, fake), TestClient(create_app(Settings(store=toy_store, probe_url=url))) as client:
        yield client, fake


def _png(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _huge_png(side: int = 20_000) -> bytes:
    """A valid side×side 1-bit PNG of zeros: tens of kilobytes that would decode to `side`² pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    compressor, row = zlib.compressobj(9), bytes(1 + side // 8)
    idat = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000)) + compressor.flush()
    ihdr = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _upload(client: TestClient, data: bytes, content_type: str, url: str = API, name: str = "upload.png") -> object:
    return client.post(url, files={"image": (name, data, content_type)}, data={"layer": "block1"})


def test_png_upload_lists_the_top_units_linked_to_their_pages(probing: tuple[TestClient, FakeWorker]) -> None:
    client, fake = probing
    response = client.post(API, files={"image": ("a.png", _png(), "image/png")}, data={"layer": "block1", "unit": "2"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [u["unit"] for u in body["top"]] == [5, 4, 3, 2, 1, 0]
    assert body["top"][0]["url"] == "/models/toy-net/layers/block1/units/5" and body["top"][0]["thumbnail"]
    assert body["chosen"]["unit"] == 2 and body["chosen"]["map"] == [[3.0, 0.0], [0.0, 0.5]]
    assert body["image"] == {
        "format": "PNG", "width": 40, "height": 30, "declared_type": "image/png", "note": None, "input_size": 8,
        "source": None,
    }  # fmt: skip
    with Image.open(io.BytesIO(fake.bodies[-1])) as sent:  # the worker gets the model's input, framed, as PNG
        assert (sent.format, sent.size, sent.mode) == ("PNG", (8, 8), "RGB")


def test_raw_body_with_query_fields_is_probed_too(probing: tuple[TestClient, FakeWorker]) -> None:
    client, _ = probing
    response = client.post(f"{API}?layer=conv1&top=2", content=_png(), headers={"content-type": "image/png"})
    assert response.status_code == 200, response.text
    assert [u["unit"] for u in response.json()["top"]] == [3, 2]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "message"),
    [
        (b"hello, I am a text file\n", "text/plain", 415, "not an image"),
        (_png((64, 64))[:120], "image/png", 422, "not a decodable image"),
        (_huge_png(), "image/png", 413, "image of 400,000,000 pixels is over the limit"),
        (_huge_png(8_000), "image/png", 413, "image of 8,000×8,000 = 64,000,000 pixels is over the limit"),
        (bytes(50 * 2**20), "image/png", 413, "MICROSCOPE_LIMIT_UPLOAD_BYTES=10,485,760"),
        (b"<html>not a png</html>", "image/png", 415, "it said it was image/png"),
    ],
    ids=["text-file", "truncated-png", "20000x20000-png", "8000x8000-png", "50-mb", "text-claiming-png"],
)
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing_behind(
    probing: tuple[TestClient, FakeWorker],
    data: bytes,
    content_type: str,
    status: int,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, fake = probing
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where Starlette would spool a big upload
    sent = len(fake.bodies)
    for url in (API, PAGE):
        response = _upload(client, data, content_type, url)
        assert response.status_code == status, response.text[:300]
        assert message in (response.json()["detail"] if url == API else response.text)
    assert len(fake.bodies) == sent  # refused before the worker was asked
    assert os.listdir(tmp_path) == []  # nothing spooled to disk
    assert client.get(API).json()["worker"] == "up"  # the service and the worker stay up


def test_png_declared_as_text_is_decided_by_decoding(probing: tuple[TestClient, FakeWorker]) -> None:
    client, _ = probing
    response = _upload(client, _png(), "text/plain", name="notes.txt")
    assert response.status_code == 200
    assert response.json()["image"]["note"] == (
        "the upload said it was text/plain; decoding found a PNG image, used as such"
    )


def test_a_big_raw_body_is_refused_from_its_content_length(probing: tuple[TestClient, FakeWorker]) -> None:
    big = bytes(Limits().upload_bytes + 70_000)  # over the upload and its form's fields
    response = probing[0].post(API, content=big, headers={"content-type": "image/png"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"layer": "nope"}, "layers: conv1, block1, fc"),
        ({"layer": "fc", "unit": "3"}, "units 0–2"),
        ({"top": "0"}, "top"),
    ],
)
def test_bad_fields_are_422_naming_the_valid_values(
    probing: tuple[TestClient, FakeWorker], fields: dict[str, str], message: str
) -> None:
    response = probing[0].post(API, files={"image": ("a.png", _png(), "image/png")}, data=fields)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_results_page_draws_each_units_map_over_the_image(probing: tuple[TestClient, FakeWorker]) -> None:
    client, _ = probing
    response = client.post(PAGE, files={"image": ("a.png", _png(), "image/png")}, data={"layer": "block1", "unit": "1"})
    assert response.status_code == 200
    html = response.text
    assert html.count('src="data:image/jpeg;base64,') == 7  # six top units and the chosen one
    assert 'href="/models/toy-net/layers/block1/units/5"' in html and "style=" not in html


def test_refused_upload_shows_the_form_again_with_its_choices(probing: tuple[TestClient, FakeWorker]) -> None:
    response = probing[0].post(PAGE, files={"image": ("a.txt", b"text", "text/plain")}, data={"layer": "conv1"})
    assert response.status_code == 415
    assert 'class="probe-error"' in response.text and '<option value="conv1" selected>' in response.text


def test_form_page_and_model_page_link_the_probe(probing: tuple[TestClient, FakeWorker]) -> None:
    client, _ = probing
    form = client.get(PAGE)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert form.headers["cache-control"] == "no-store"  # the worker's state is live
    assert 'href="/models/toy-net/probe"' in client.get("/models/toy-net").text


@pytest.mark.parametrize(("status", "expected"), [(503, 503), (504, 504), (500, 502), (413, 413)])
def test_worker_refusals_become_clear_answers(
    probing: tuple[TestClient, FakeWorker], status: int, expected: int
) -> None:
    client, fake = probing
    fake.status = status
    try:
        response = client.post(API, files={"image": ("a.png", _png(), "image/png")})
    finally:
        fake.status = 200
    assert response.status_code == expected and response.json()["detail"]


def test_worker_down_is_503_saying_how_to_start_it(toy_store: Path) -> None:
    with TestClient(create_app(Settings(store=toy_store, probe_url="http://127.0.0.1:9"))) as client:
        response = client.post(API, files={"image": ("a.png", _png(), "image/png")})
        assert response.status_code == 503 and "microscope probe-worker --model toy-net" in response.json()["detail"]
        assert client.get(API).json()["worker"] == "down"


def test_without_a_worker_the_model_page_says_how_to_enable_probing(client: TestClient) -> None:
    assert "microscope probe-worker --model toy-net" in client.get("/models/toy-net").text
    response = client.post(API, files={"image": ("a.png", _png(), "image/png")})
    assert response.status_code == 404 and "probing is off" in response.json()["detail"]


def test_multipart_parts_are_read_in_memory() -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="layer"\r\n\r\nblock1\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        b"\x89PNG\r\n\r\n--XyZ--\r\n"
    )
    upload = parse_multipart(body, "multipart/form-data; boundary=XyZ")
    assert (upload.data, upload.filename, upload.declared_type) == (b"\x89PNG\r\n", "a.png", "image/png")
    assert upload.fields == {"layer": "block1"}


@pytest.fixture(scope="module")
def dataset_probing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The toy store with its dataset folder on disk (one image), and a (fake) probe worker."""
    root = tmp_path_factory.mktemp("probe-dataset")
    images = root / "images"
    (images / "red").mkdir(parents=True)
    (images / "red" / "0.png").write_bytes(_png((12, 10)))
    (root / "secret.png").write_bytes(_png())
    build_toy_store(root / "store")
    writer = StoreWriter(root / "store")
    writer.put_dataset_images(TOY_MODEL, [DatasetImageRecord("red/0.png", "red", 12, 10)], str(images))
    with fake_worker() as (url, _), TestClient(create_app(Settings(store=root / "store", probe_url=url))) as client:
        yield client


def test_a_dataset_image_is_probed_by_its_source_path(dataset_probing: TestClient) -> None:
    response = dataset_probing.post(API, data={"source": "red/0.png", "layer": "conv1"})
    assert response.status_code == 200, response.text
    assert response.json()["image"]["source"] == "red/0.png" and response.json()["image"]["width"] == 12


# A NUL byte or a name past the OS's limit is no file either: Path refused to look them up, a 500.
@pytest.mark.parametrize("source", ["../secret.png", "red/missing.png", "/etc/passwd", "red/\x00.png", "a" * 5000])
def test_only_images_inside_the_dataset_folder_are_read(dataset_probing: TestClient, source: str) -> None:
    response = dataset_probing.post(API, data={"source": source})
    assert response.status_code == 404 and "no dataset image" in response.json()["detail"]


@pytest.mark.parametrize("fields", [{"unit": "²"}, {"top": "³"}, {"top": "①"}, {"unit": "٣"}, {"top": "9" * 2000}])
def test_fields_take_ascii_digits_only(probing: tuple[TestClient, FakeWorker], fields: dict[str, str]) -> None:
    client, fake = probing
    sent = len(fake.bodies)
    for url in (API, PAGE):
        response = client.post(url, files={"image": ("a.png", _png(), "image/png")}, data={"layer": "block1", **fields})
        assert response.status_code == 422, response.text[:300]
        assert "must be a non-negative integer (digits 0-9)" in response.text
    query = "&".join(f"{name}={value}" for name, value in fields.items())
    response = client.post(f"{API}?layer=block1&{query}", content=_png(), headers={"content-type": "image/png"})
    assert response.status_code == 422 and len(response.content) < 300  # 2,000 digits are not repeated back
    assert len(fake.bodies) == sent


@pytest.fixture
def tight(toy_store: Path) -> Iterator[TestClient]:
    """A client whose upload limits are set low: 3 frames, 1,000 pixels, 50 kB."""
    limits = Limits(upload_frames=3, upload_pixels=1000, upload_bytes=50_000)
    with fake_worker() as (url, _):
        settings = Settings(store=toy_store, probe_url=url, limits=limits)
        with TestClient(create_app(settings)) as client:
            yield client


def _gif(frames: int, size: tuple[int, int] = (20, 20)) -> bytes:
    images = [Image.new("RGB", size, (40 * i, 0, 0)) for i in range(frames)]  # differing, so none is merged
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def test_the_configured_limits_apply_and_are_named(tight: TestClient) -> None:
    cases = [
        (_gif(4), "image of 4 frames is over the limit of 3 (MICROSCOPE_LIMIT_UPLOAD_FRAMES)"),
        (_png((40, 30)), "= 1,200 pixels is over the limit of 1,000 (MICROSCOPE_LIMIT_UPLOAD_PIXELS)"),
        (bytes(60_000), "over the limit of 50,000 bytes (MICROSCOPE_LIMIT_UPLOAD_BYTES)"),
    ]
    for data, message in cases:
        response = _upload(tight, data, "image/png")
        assert response.status_code == 413 and message in response.json()["detail"]
    assert _upload(tight, _gif(3), "image/gif").status_code == 200


def test_the_forms_json_reports_the_configured_limits(tight: TestClient) -> None:
    facts = tight.get(API).json()
    assert (facts["max_bytes"], facts["max_pixels"]) == (50_000, 1000)
