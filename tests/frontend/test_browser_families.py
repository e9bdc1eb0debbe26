"""The family view and /compare in chromium: thumbnails load, sparklines render, links work, no console errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.app.stores import build_family_store
from tests.frontend.watched import store_server, watched_page

pytestmark = pytest.mark.browser

FAMILY = "/models/fam-a/layers/mixed/families/curves"
COMPARE = "/compare?family=curves"


@pytest.fixture(scope="module")
def family_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the two-model family store."""
    with store_server(tmp_path_factory, build_family_store, "family-store") as base_url:
        yield base_url


def _sparklines_drawn(page: Any) -> int:
    plots = page.locator("svg.plot-polar-sparkline")
    for i in range(plots.count()):
        box = plots.nth(i).bounding_box()
        assert box is not None and box["width"] >= 60 and box["height"] >= 60
        assert plots.nth(i).locator("path.curve").count() == 1
    return plots.count()


def test_family_view_loads_every_thumbnail_and_draws_every_curve(
    browser: Any, family_server: str, load_all_images: Callable[[Any], list[dict[str, Any]]]
) -> None:
    with watched_page(browser, family_server + FAMILY) as watched:
        page = watched.page
        images = load_all_images(page)
        assert len(images) == 8 and [i["src"] for i in images if not (i["complete"] and i["naturalWidth"] > 0)] == []
        assert _sparklines_drawn(page) == 7
        tops = [page.locator(".family-tile").nth(i).bounding_box()["y"] for i in range(8)]
        assert max(tops) - min(tops) < 1  # the family stands in one row
        page.screenshot(path="/tmp/family-page.png", full_page=True)
        page.locator("a.circuit-link").click()
        page.wait_for_load_state()
        assert "/circuit?units=conv:1,0,2;mixed:1,5,3,6,0,2,4,7" in page.url
        assert watched.failed == [] and watched.problems == []


def test_compare_page_loads_every_thumbnail_and_draws_every_curve(
    browser: Any, family_server: str, load_all_images: Callable[[Any], list[dict[str, Any]]]
) -> None:
    with watched_page(browser, family_server + COMPARE) as watched:
        page = watched.page
        images = load_all_images(page)
        assert len(images) == 11 and [i["src"] for i in images if not (i["complete"] and i["naturalWidth"] > 0)] == []
        assert _sparklines_drawn(page) == 4
        page.screenshot(path="/tmp/compare-page.png", full_page=True)
        page.locator(".compare-layer a", has_text="by orientation").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/models/fam-a/layers/conv/families/curves")
        assert watched.failed == [] and watched.problems == []
