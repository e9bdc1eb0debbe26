"""In chromium with every non-loopback request blocked: /docs renders offline, and no page breaks its CSP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/models/toy-net",
    "/models/toy-net/layers/block1",
    "/models/toy-net/layers/block1/units/2",
    "/models/toy-net/layers/conv1/units/0",
    "/models/nope",
]
# Chromium reports each violation as a `securitypolicyviolation` event; an init script runs outside the page's CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@dataclass
class OfflineTab:
    """A tab that can reach only the loopback server, with what it tried to fetch elsewhere and its console errors."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """CSP violations the page reported, from its events and its console."""
        csp_errors = [e for e in self.errors if "Content Security Policy" in e]
        return self.page.evaluate("window.__csp") + csp_errors


@pytest.fixture
def tab(browser: Any) -> Iterator[OfflineTab]:
    """A fresh tab whose requests to anything but 127.0.0.1 are aborted, as with no internet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    offline = OfflineTab(context.new_page())

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            offline.blocked.append(route.request.url)
            route.abort()

    offline.page.route("**/*", only_loopback)
    offline.page.add_init_script(RECORD_VIOLATIONS)
    offline.page.on("console", lambda m: offline.errors.append(m.text) if m.type == "error" else None)
    yield offline
    context.close()


def test_docs_render_the_operations_with_no_network(tab: OfflineTab, toy_server: str) -> None:
    tab.page.goto(toy_server + "/docs")
    operations = tab.page.locator(".opblock-summary-path")
    operations.first.wait_for(timeout=15_000)
    paths = {p.strip() for p in operations.all_inner_texts()}
    assert {"/api/v1/models/{model}/layers/{layer}/units/{unit}", "/assets/{sha256}.{ext}"} <= {
        p.replace("\u200b", "") for p in paths
    }
    assert tab.blocked == []
    assert tab.violations() == []


def test_docs_try_it_out_reaches_the_api(tab: OfflineTab, toy_server: str) -> None:
    # The policy's connect-src ('self' by default-src) must let Swagger UI call the API it documents.
    tab.page.goto(toy_server + "/docs#/models/list_models_api_v1_models_get")
    tab.page.locator(".opblock.is-open .try-out__btn").click()
    tab.page.locator(".opblock.is-open .execute").click()
    status = tab.page.locator(".opblock.is-open .live-responses-table tr.response .response-col_status").first
    status.wait_for(timeout=15_000)
    assert status.inner_text().strip().startswith("200")
    assert tab.violations() == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_raise_no_csp_violation(tab: OfflineTab, toy_server: str, path: str) -> None:
    tab.page.goto(toy_server + path)
    tab.page.wait_for_load_state("load")
    for image in tab.page.locator("img").all():
        image.scroll_into_view_if_needed()
    assert tab.blocked == []
    assert tab.violations() == []


def test_unit_page_scripts_still_run_under_the_policy(tab: OfflineTab, toy_server: str) -> None:
    tab.page.goto(toy_server + "/models/toy-net/layers/block1/units/2")
    assert tab.page.locator("button.copy").is_visible()  # microscope.js unhid it
    strengths = tab.page.locator(".edge").evaluate_all(
        "edges => edges.map(e => getComputedStyle(e).getPropertyValue('--strength').trim())"
    )
    assert strengths and all(s != "" for s in strengths)  # the CSS rules replaced the style attributes
