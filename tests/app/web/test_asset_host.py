"""--asset-base-url: pages and JSON point the store's assets at a static host, whose origin the CSP lets in."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from app.web.config import Settings
from precompute.cards import cards_stage
from store.writer import StoreWriter
from tests.app.meta_tags import meta
from tests.app.web.csp import POLICY, directives
from tests.conftest import TOY_LAYERS, TOY_MODEL

BASE = "https://cdn.example.org/microscope"
ASSET_AT_BASE = re.compile(re.escape(BASE) + r"/([0-9a-f]{2})/(\1[0-9a-f]{62})\.(png|npy)")
UNIT = "/models/toy-net/layers/block1/units/2"


@pytest.fixture(scope="module")
def store_with_cards(toy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy store with a stored card for every unit (the og:image of unit pages)."""
    store = Path(shutil.copytree(toy_store, tmp_path_factory.mktemp("cards") / "store"))
    with StoreWriter(store) as writer:
        cards_stage(writer, TOY_MODEL, [layer.name for layer in TOY_LAYERS])
    return store


@pytest.fixture(scope="module")
def hosted(store_with_cards: Path) -> Iterator[TestClient]:
    """A client of the service whose assets are on a static host."""
    settings = Settings(store=store_with_cards, asset_base_url=BASE + "/")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


# An asset URL at this service (/assets/<sha>.<ext>) or on any host (…/<sh>/<sha>.<ext>), relative or absolute.
ANY_ASSET = re.compile(r"(?:https?://[^\s\"'<>]*?)?/(?:assets|[0-9a-f]{2})/[0-9a-f]{64}\.\w+")


def _asset_urls(text: str) -> list[str]:
    return [match[0] for match in ANY_ASSET.finditer(text)]


def test_settings_read_the_asset_base_url_from_the_environment(
    toy_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROSCOPE_ASSET_BASE_URL", "http://127.0.0.1:8080/")
    settings = Settings(store=toy_store)
    assert (settings.asset_base_url, settings.asset_origin) == ("http://127.0.0.1:8080", "http://127.0.0.1:8080")


@pytest.mark.parametrize(
    "url", ["/assets", "cdn.example.org/x", "ftp://cdn.example.org", "https://cdn.example.org/?v=1", "https://:80/"]
)
def test_an_asset_base_that_is_not_an_absolute_http_url_fails_at_startup(toy_store: Path, url: str) -> None:
    with pytest.raises(ValidationError, match="asset base URL must"):
        Settings(store=toy_store, asset_base_url=url)


def test_unit_json_points_every_asset_at_the_static_host(hosted: TestClient) -> None:
    body = hosted.get("/api/v1" + UNIT).text
    found = ASSET_AT_BASE.findall(body)
    assert len(found) >= 5  # feature visualizations, dataset examples, the thumbnail
    assert "/assets/" not in body.replace(BASE, "")


@pytest.mark.parametrize(
    "path",
    [
        UNIT,
        "/models/toy-net",
        "/models/toy-net/layers/block1",
        "/models/toy-net/layers/block1/weights",
        "/api/v1/models/toy-net/layers/block1",
        "/api/v1/models/toy-net/layers/block1/weights",
        "/api/v1/models/toy-net/layers/block1/units.jsonl",
    ],
)
def test_pages_and_json_link_assets_only_at_the_static_host(hosted: TestClient, path: str) -> None:
    response = hosted.get(path)
    assert response.status_code == 200
    urls = _asset_urls(response.text)
    assert urls and all(url.startswith(BASE + "/") for url in urls), urls


def test_weight_tensor_downloads_come_from_the_static_host(hosted: TestClient) -> None:
    download = hosted.get("/api/v1/models/toy-net/layers/block1/weights").json()["download_url"]
    assert ASSET_AT_BASE.fullmatch(download) and download.endswith(".npy")


def test_stored_unit_card_comes_from_the_static_host_and_drawn_cards_from_the_service(hosted: TestClient) -> None:
    assert ASSET_AT_BASE.fullmatch(meta(hosted, UNIT)["og:image"])
    assert (
        meta(hosted, "/models/toy-net/layers/block1")["og:image"]
        == "http://testserver/models/toy-net/layers/block1/card.png"
    )


def test_csp_lets_images_come_from_the_static_hosts_origin(hosted: TestClient) -> None:
    policy = hosted.get(UNIT).headers["content-security-policy"]
    assert directives(policy) == {**POLICY, "img-src": "'self' data: https://cdn.example.org"}  # nothing else loosened


def test_without_the_setting_assets_come_from_the_service(client: TestClient) -> None:
    response = client.get("/api/v1" + UNIT)
    assert directives(response.headers["content-security-policy"]) == POLICY
    urls = _asset_urls(response.text)
    assert urls and all(url.startswith("/assets/") for url in urls)
