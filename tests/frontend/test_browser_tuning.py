"""In chromium: a unit page's tuning curves are drawn (polar plot, heatmap) inside the page, without console errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

UNIT_PAGE = "/models/toy-net/layers/block1/units/2"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab that records console errors in `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def test_tuning_plots_are_visible_and_fit_the_page(page: Any, toy_server: str) -> None:
    page.goto(toy_server + UNIT_PAGE)
    section = page.locator("section.tuning")
    section.scroll_into_view_if_needed()
    for kind in ("polar", "heatmap"):
        box = section.locator(f"svg.plot-{kind}").bounding_box()
        assert box is not None and box["width"] > 200 and box["x"] + box["width"] <= 1280
    assert section.locator("svg.plot-polar g.mark").count() == 0  # the toy store has no orientation score
    assert page.errors == []
