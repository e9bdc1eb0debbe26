"""A unit page served with --asset-base-url loads every image from nginx serving the synced asset folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from store.paths import ASSETS_DIR
from store.sync import sync_assets
from tests.frontend.conftest import running_server
from tests.static_host import static_host

pytestmark = pytest.mark.browser

UNIT_PAGE = "/models/toy-net/layers/block1/units/2"
PREFIX = "/microscope"  # the assets under a path of the host, as on a shared CDN


@pytest.fixture(scope="module")
def asset_host(toy_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx over a folder filled by `microscope assets sync`; yields the asset base URL."""
    www = tmp_path_factory.mktemp("www")
    sync_assets(toy_store / ASSETS_DIR, www / PREFIX.strip("/"))
    with static_host(www, tmp_path_factory.mktemp("nginx")) as origin:
        yield origin + PREFIX


@pytest.fixture(scope="module")
def hosted_server(toy_store: Path, asset_host: str) -> Iterator[str]:
    """The service over the toy store, pointing its assets at the nginx host."""
    with running_server(toy_store, asset_base_url=asset_host) as base_url:
        yield base_url


def test_unit_page_loads_every_image_from_the_static_host(
    browser: Any, hosted_server: str, asset_host: str, load_all_images: Callable[[Any], list[dict[str, Any]]]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    errors: list[str] = []
    images: list[tuple[str, int]] = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda r: images.append((r.url, r.status)) if r.request.resource_type == "image" else None)
    try:
        page.goto(hosted_server + UNIT_PAGE)
        shown = load_all_images(page)
    finally:
        context.close()
    assert len(shown) >= 1 + 3 + 4 + 3  # feature vis, examples, inputs, outputs
    assert [i["src"] for i in shown if not (i["complete"] and i["naturalWidth"] > 0)] == []
    assert all(i["src"].startswith(asset_host + "/") for i in shown if not i["src"].startswith("data:")), shown
    fetched = [(url, status) for url, status in images if not url.startswith("data:")]
    assert fetched and all(url.startswith(asset_host + "/") and status == 200 for url, status in fetched), fetched
    assert failed == [] and errors == []
