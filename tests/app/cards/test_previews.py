"""Link previews, read as a chat client's unfurler reads them: the page's meta tags, then the og:image they name."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.web.config import Settings
from precompute.cards import cards_stage
from store.writer import StoreWriter
from tests.app.meta_tags import meta
from tests.conftest import TOY_LAYERS, TOY_MODEL

PAGES = [
    "/models/toy-net",
    "/models/toy-net/layers/conv1",
    "/models/toy-net/layers/block1/units/2",
    "/models/toy-net/circuit?units=conv1:0;block1:3",
]
REQUIRED = ("og:title", "og:description", "og:image", "og:url", "og:type", "twitter:card")


def fetch_card(client: TestClient, url: str) -> Image.Image:
    """The og:image, fetched by its absolute URL as an unfurler would (following redirects)."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG"
    return picture


@pytest.mark.parametrize("path", PAGES)
def test_page_unfurls_with_a_1200x630_png_card(client: TestClient, path: str) -> None:
    tags = meta(client, path)
    assert all(tags.get(key) for key in REQUIRED), tags
    assert tags["twitter:card"] == "summary_large_image"
    assert urlsplit(tags["og:image"]).scheme == "http" and urlsplit(tags["og:url"]).netloc
    assert "\n" not in tags["og:description"]
    assert fetch_card(client, tags["og:image"]).size == (1200, 630)


def test_unit_description_names_label_layer_and_top_classes(client: TestClient) -> None:
    tags = meta(client, "/models/toy-net/layers/block1/units/2")
    assert "block1" in tags["og:description"] and "top classes:" in tags["og:description"]
    assert tags["og:url"].endswith("/models/toy-net/layers/block1/units/2")


def test_preview_urls_use_the_configured_public_url(toy_store: Path) -> None:
    settings = Settings(store=toy_store, public_url="https://microscope.example.org")
    with TestClient(create_app(settings)) as client:
        tags = meta(client, "/models/toy-net/layers/conv1/units/0")
    assert tags["og:image"].startswith("https://microscope.example.org/models/toy-net/")
    assert tags["og:url"] == "https://microscope.example.org/models/toy-net/layers/conv1/units/0"


def test_drawing_a_card_on_request_writes_nothing_into_the_store(toy_store: Path, client: TestClient) -> None:
    before = sorted(p.name for p in toy_store.rglob("*"))
    fetch_card(client, "/models/toy-net/layers/fc/units/1/card.png")
    fetch_card(client, "/models/toy-net/circuit/card.png?units=conv1:1;block1:2")
    assert sorted(p.name for p in toy_store.rglob("*")) == before


def test_stored_unit_card_is_the_og_image(toy_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(toy_store, store)
    with StoreWriter(store) as writer:
        cards_stage(writer, TOY_MODEL, [layer.name for layer in TOY_LAYERS])
    with TestClient(create_app(Settings(store=store))) as client:
        tags = meta(client, "/models/toy-net/layers/conv1/units/0")
        assert "/assets/" in tags["og:image"]
        assert fetch_card(client, tags["og:image"]).size == (1200, 630)
        assert fetch_card(client, "/models/toy-net/layers/conv1/units/0/card.png").size == (1200, 630)


def test_other_spelling_of_a_units_card_redirects_to_its_card(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/conv1/units/01/card.png")
    assert response.status_code == 301
    assert response.headers["location"] == "/models/toy-net/layers/conv1/units/1/card.png"


def test_unknown_unit_card_is_a_404(client: TestClient) -> None:
    assert client.get("/models/toy-net/layers/conv1/units/999/card.png").status_code == 404
