"""The circuit page in a real chromium: every thumbnail and kernel drawn, and adding or removing units moves the URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.browser

CIRCUIT = "/models/toy-net/circuit?units=conv1:3,0,2;block1:5,1;fc:2,0"
# Chromium reports CSP violations as `securitypolicyviolation` events; an init script runs outside the page's CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
Loader = Callable[[Any], list[dict[str, Any]]]


@dataclass
class Tab:
    """A browser tab with the console errors its pages logged."""

    page: Any
    js: bool
    errors: list[str] = field(default_factory=list)

    def record(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def violations(self) -> list[str]:
        """CSP violations the page reported (recorded by an init script, which runs only with JavaScript)."""
        return self.page.evaluate("window.__csp") if self.js else []


@pytest.fixture(params=[True, False], ids=["with JS", "without JS"])
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    """A fresh tab, with JavaScript on and off: the page must work both ways."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=request.param)
    found = Tab(context.new_page(), request.param)
    found.page.on("console", found.record)
    found.page.add_init_script(RECORD_VIOLATIONS)
    yield found
    context.close()


def _path(tab: Tab, server: str) -> str:
    return unquote(tab.page.url.removeprefix(server))


def test_every_thumbnail_crop_and_kernel_is_drawn(tab: Tab, toy_server: str, load_all_images: Loader) -> None:
    tab.page.goto(toy_server + CIRCUIT)
    images = load_all_images(tab.page)
    assert [i["src"] for i in images if not (i["complete"] and i["naturalWidth"] > 0)] == []
    kernels = [i for i in images if i["src"].startswith("data:image/png")]
    thumbnails = [i for i in images if "/assets/" in i["src"] and i["className"] == "thumb"]
    crops = [i for i in images if "/assets/" in i["src"] and i["className"] != "thumb"]
    assert len(kernels) == 3 * 2 + 2 * 2
    assert len(thumbnails) == (3 + 2) + (2 + 2)
    assert len(crops) == 3 * len(thumbnails)  # each toy unit's 3 top dataset examples beside its picture
    assert [i["naturalWidth"] for i in kernels] == [2] * 10  # one pixel per weight of the 2×2 kernels
    assert tab.errors == [] and tab.violations() == []


def test_hovering_a_cell_names_both_units_and_the_weight(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + CIRCUIT)
    cell = tab.page.locator("td.kernel-cell").first
    assert cell.get_attribute("title").startswith("conv1:3 → block1:5: sum ")
    opacity = "el => getComputedStyle(el).opacity"
    assert cell.locator(".cell-links").evaluate(opacity) == "0"  # the kernel stays unobstructed until hovered
    cell.hover()
    assert cell.locator(".cell-links").evaluate(opacity) == "1"
    links = cell.locator(".cell-links a")
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "/models/toy-net/layers/conv1/units/3",
        "/models/toy-net/layers/block1/units/5",
    ]


def test_removing_a_unit_moves_to_the_circuit_without_it(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + CIRCUIT)
    tab.page.get_by_label("Remove block1:5").first.click()
    tab.page.wait_for_load_state()
    assert _path(tab, toy_server) == "/models/toy-net/circuit?units=conv1:3,0,2;block1:1;fc:2,0"
    assert tab.page.locator("td.kernel-cell").count() == 3 * 1 + 1 * 2
    assert tab.errors == []


def test_adding_units_moves_to_the_canonical_url_of_the_larger_circuit(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + CIRCUIT)
    tab.page.get_by_label("Units to add").fill("block1:0, 5")
    tab.page.get_by_role("button", name="Add").click()
    tab.page.wait_for_url("**/circuit?units=conv1:3,0,2;block1:5,1,0;fc:2,0")
    assert tab.page.locator("td.kernel-cell").count() == 3 * 3 + 2 * 3
    assert tab.page.locator("input[name=units]").first.input_value() == "conv1:3,0,2;block1:5,1,0;fc:2,0"


def test_choosing_an_order_keeps_it_in_the_url(tab: Tab, toy_server: str) -> None:
    tab.page.goto(toy_server + CIRCUIT)
    tab.page.locator("select[name=order]").select_option("svd1")
    tab.page.get_by_role("button", name="Show").click()
    tab.page.wait_for_url("**&order=svd1")
    assert _path(tab, toy_server) == CIRCUIT + "&order=svd1"
    assert tab.page.locator("select[name=order]").input_value() == "svd1"


def test_a_bad_circuit_url_shows_what_is_wrong(tab: Tab, toy_server: str) -> None:
    response = tab.page.goto(toy_server + "/models/toy-net/circuit?units=conv1:0;fc:1")
    assert response.status == 400
    assert "fc computes from block1, not conv1" in tab.page.locator("main").inner_text()


def test_a_unit_page_opens_as_a_circuit(tab: Tab, toy_server: str, load_all_images: Loader) -> None:
    tab.page.goto(toy_server + "/models/toy-net/layers/block1/units/2")
    tab.page.get_by_role("link", name="with its 4 strongest inputs").click()
    tab.page.wait_for_url("**/circuit?units=conv1:0,1,3,2;block1:2")
    assert all(i["naturalWidth"] > 0 for i in load_all_images(tab.page))
    assert tab.page.locator("td.kernel-cell").count() == 4
