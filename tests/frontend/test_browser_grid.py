"""In chromium: the layer grid's order and filter form works without JavaScript, and its badges obey the CSP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

LAYER = "/models/toy-net/layers/block1"
SCREENSHOT = "/tmp/layer-grid-sorted.png"


@pytest.fixture
def no_script_page(browser: Any) -> Iterator[Any]:
    """A tab with JavaScript off, collecting its console errors (CSP violations are reported there)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()


def _order(page: Any) -> list[int]:
    tiles = page.locator("ul.units li .index")
    return [int(tiles.nth(i).inner_text()) for i in range(tiles.count())]


def test_grid_form_sorts_and_filters_without_javascript(no_script_page: Any, toy_server: str) -> None:
    page = no_script_page
    page.goto(toy_server + LAYER)
    page.select_option("form.grid-controls select[name=sort]", "-bw_ratio")
    page.fill("form.grid-controls input[name=min_bw]", "0.5")
    page.click("form.grid-controls button[type=submit]")
    page.wait_for_url(toy_server + LAYER + "?sort=-bw_ratio&min_bw=0.5&max_bw=")
    assert _order(page) == [5, 4, 3]
    assert page.locator(".grid-status").inner_text().startswith("3 of 6 units")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert [e for e in page.errors if "Content Security Policy" in e] == []


def test_badges_show_value_and_bar_with_hidden_spoken_title(no_script_page: Any, toy_server: str) -> None:
    page = no_script_page
    page.goto(toy_server + LAYER + "?sort=bw_ratio&max_bw=0.3")
    assert _order(page) == [0, 1]
    badge = page.locator("ul.units .badge.score").nth(1)
    assert badge.inner_text().split()[-2:] == ["B/W", "0.20"]
    assert badge.locator(".visually-hidden").bounding_box()["width"] <= 1  # the full title: for screen readers
    assert badge.locator("svg.score-bar rect.fill").get_attribute("width") == "6.4"
    assert [e for e in page.errors if "Content Security Policy" in e] == []
