"""In a real chromium against a real server: every image loads, grids are complete, pages work without JS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

UNIT_PAGE = "/models/toy-net/layers/block1/units/2"
SCREENSHOT = "/tmp/unit-page.png"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


Loader = Callable[[Any], list[dict[str, Any]]]


def test_unit_page_images_all_load(page: Any, toy_server: str, load_all_images: Loader) -> None:
    page.goto(toy_server + UNIT_PAGE)
    images = load_all_images(page)
    assert len(images) >= 1 + 3 + 4 + 3  # feature vis, examples, inputs, outputs
    broken = [i["src"] for i in images if not (i["complete"] and i["naturalWidth"] > 0)]
    assert broken == []
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_layer_grid_shows_every_unit(page: Any, toy_server: str, load_all_images: Loader) -> None:
    page.goto(toy_server + "/models/toy-net/layers/block1")
    tiles = page.locator("ul.units li")
    assert tiles.count() == 6
    assert [tiles.nth(i).locator(".index").inner_text() for i in range(6)] == [str(i) for i in range(6)]
    assert all(i["naturalWidth"] > 0 for i in load_all_images(page))


def test_copy_button_appears_with_javascript(page: Any, toy_server: str) -> None:
    page.goto(toy_server + UNIT_PAGE)
    assert page.locator("button.copy").is_visible()
    assert page.locator("#canonical-url").input_value() == toy_server + UNIT_PAGE


def test_arrow_keys_follow_next_unit(page: Any, toy_server: str) -> None:
    page.goto(toy_server + UNIT_PAGE)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(toy_server + "/models/toy-net/layers/block1/units/3")


def test_search_box_works_without_javascript(browser: Any, toy_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(toy_server + "/models/toy-net/layers/conv1")
        page.fill("form.unit-search input[name=ref]", "fc:1")
        page.press("form.unit-search input[name=ref]", "Enter")
        page.wait_for_url(toy_server + "/models/toy-net/layers/fc/units/1")
        assert page.locator("button.copy").is_hidden()
        assert page.locator("#canonical-url").input_value().endswith("/models/toy-net/layers/fc/units/1")
    finally:
        context.close()
