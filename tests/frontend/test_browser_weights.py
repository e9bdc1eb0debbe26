"""In a real chromium: the weights page draws its plots, loads every thumbnail, and raises no error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WEIGHTS_PAGE = "/models/toy-net/layers/block1/weights"
SCREENSHOT = "/tmp/weights-page.png"
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
# Each thumbnail the SVG draws, loaded again as an image: it resolves only when the file decodes as one.
DECODE_THUMBNAILS = """
async () => Promise.all(Array.from(document.querySelectorAll("svg.plot image")).map(async node => {
  const image = new Image();
  image.src = node.getAttribute("href");
  try { await image.decode(); return image.naturalWidth; } catch (e) { return 0; }
}))
"""


@dataclass
class Tab:
    """A browser tab with the errors it reported and the responses it received."""

    page: Any
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _is_error(message: Any) -> bool:
    return message.type == "error"  # the favicon too: every page links one, so chromium asks for no other


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = Tab(context.new_page())
    tab.page.add_init_script(RECORD_VIOLATIONS)
    tab.page.on("console", lambda m: tab.errors.append(m.text) if _is_error(m) else None)
    tab.page.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.page.on("response", lambda r: tab.statuses.__setitem__(r.url, r.status))
    yield tab
    context.close()


def test_weights_page_draws_its_plots_without_errors(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + WEIGHTS_PAGE)
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.locator("svg.plot-scatter").count() == 2
    assert tab.page.locator("svg.plot-bars rect.bar").count() == 4  # block1 ← conv1: min(6, 4) components
    box = tab.page.locator("svg.plot-scatter").first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    tab.page.screenshot(path=SCREENSHOT, full_page=True)
    assert tab.errors == [] and tab.page.evaluate("window.__csp") == []


def test_every_scatter_thumbnail_loads(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + WEIGHTS_PAGE)
    tab.page.wait_for_load_state("networkidle")
    hrefs = tab.page.locator("svg.plot image").evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")
    assert len(hrefs) == 6 + 4  # every unit of both layers
    assert all(tab.statuses.get(toy_server + href) == 200 for href in hrefs)
    assert all(width > 0 for width in tab.page.evaluate(DECODE_THUMBNAILS))


def test_hovering_a_unit_names_it_and_clicking_opens_it(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + WEIGHTS_PAGE)
    point = tab.page.locator("svg.plot-scatter").first.locator("a.point").nth(4)
    assert point.locator("title").text_content().startswith("block1:4 · component 1")
    assert "bw_ratio 0.80" in point.locator("title").text_content()
    point.hover()
    grown = point.locator(".mark").evaluate("m => getComputedStyle(m).transform")
    assert grown not in ("none", "")  # the CSS enlarges the hovered thumbnail
    point.click()
    tab.page.wait_for_url(toy_server + "/models/toy-net/layers/block1/units/4")


def test_layer_page_links_to_its_weights(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + "/models/toy-net/layers/block1")
    tab.page.get_by_role("link", name="Connections & SVD").click()
    tab.page.wait_for_url(toy_server + WEIGHTS_PAGE)
