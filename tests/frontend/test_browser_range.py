"""The unit page's examples across the range in a real chromium: the activation-map overlays toggle (with JS, the
choice is remembered; without JS, CSS alone does it), the histogram renders, and no console errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

UNIT_PAGE = "/models/toy-net/layers/block1/units/2"


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A tab with JavaScript on or off, collecting console errors and warnings in `tab.problems`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=request.param)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def test_activation_map_overlays_toggle(tab: Any, toy_server: str) -> None:
    tab.goto(toy_server + UNIT_PAGE)
    overlays = tab.locator("svg.amap")
    assert overlays.count() == 4
    assert not overlays.first.is_visible()
    tab.locator("label[for=show-amaps]").click()
    assert all(overlays.nth(i).is_visible() for i in range(4))
    box, image = overlays.first.bounding_box(), tab.locator(".crop img").nth(3).bounding_box()
    assert box is not None and box["width"] == pytest.approx(96, abs=1) and box["height"] == pytest.approx(96, abs=1)
    assert image is not None
    tab.locator("label[for=show-amaps]").click()
    assert not overlays.first.is_visible()
    assert tab.problems == []


def test_the_choice_is_remembered_across_pages_with_javascript(browser: Any, toy_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(toy_server + UNIT_PAGE)
        page.locator("#show-amaps").check()
        page.goto(toy_server + "/models/toy-net/layers/block1/units/3")
        assert page.locator("#show-amaps").is_checked() and page.locator("svg.amap").first.is_visible()
    finally:
        context.close()


def test_histogram_renders_with_bars_and_quantile_markers(tab: Any, toy_server: str) -> None:
    tab.goto(toy_server + UNIT_PAGE)
    plot = tab.locator("svg.plot-activation-histogram")
    assert plot.is_visible()
    assert plot.locator("rect.bar").count() == 3 and plot.locator("g.marker").count() == 2
    assert tab.problems == []
