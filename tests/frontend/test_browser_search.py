"""The header search box in chromium: it suggests as you type, arrows and Enter open a suggestion, no console errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

BOX = "header.site input[name=q]"


@pytest.fixture
def tab(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh tab and the errors and warnings its console logged."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page, problems = context.new_page(), []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    yield page, problems
    context.close()


def test_typing_shows_suggestions_and_enter_opens_the_chosen_one(tab: tuple[Any, list[str]], toy_server: str) -> None:
    page, problems = tab
    page.goto(toy_server + "/")
    page.locator(BOX).press_sequentially("block1")
    options = page.locator("#search-suggestions [role=option]")
    options.first.wait_for()
    assert options.first.locator("a").get_attribute("href") == "/models/toy-net/layers/block1"
    assert page.locator(BOX).get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert page.locator(BOX).get_attribute("aria-activedescendant") == "search-suggestions-0"
    page.keyboard.press("Enter")
    page.wait_for_url(toy_server + "/models/toy-net/layers/block1")
    assert problems == []


def test_enter_without_a_chosen_suggestion_submits_the_search(tab: tuple[Any, list[str]], toy_server: str) -> None:
    page, problems = tab
    page.goto(toy_server + "/")
    page.locator(BOX).fill("green")
    page.locator(BOX).press("Enter")
    page.wait_for_url(toy_server + "/search?q=green")
    assert page.locator(".search-hits a").first.get_attribute("href") == "/models/toy-net/layers/fc/units/1"
    assert problems == []
