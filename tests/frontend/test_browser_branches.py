"""The branch page in a real chromium: every thumbnail loads, every histogram renders, no console errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.stores import build_branch_store
from tests.frontend.watched import store_server, watched_page

pytestmark = pytest.mark.browser

PAGE = "/models/branchy/layers/mixed/branches"
SCREENSHOT = "/tmp/branches-page.png"


@pytest.fixture(scope="module")
def branch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the small store whose `mixed` has three branches."""
    with store_server(tmp_path_factory, build_branch_store, "branch-store") as base_url:
        yield base_url


def test_branch_page_loads_every_thumbnail_and_draws_every_histogram(
    browser: Any, branch_server: str, load_all_images: Callable[[Any], list[dict[str, Any]]], tmp_path: Path
) -> None:
    with watched_page(browser, branch_server + PAGE) as watched:
        page = watched.page
        images = load_all_images(page)
        assert len(images) == 10
        assert [i["src"] for i in images if not (i["complete"] and i["naturalWidth"] > 0)] == []
        plots = page.locator("svg.histogram")
        assert plots.count() == 4
        for i in range(plots.count()):  # drawn at a size, with bars, axes and titles laid out
            box = plots.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 150
            assert plots.nth(i).locator("rect.bar").count() >= 1
            assert plots.nth(i).locator("text.axis-title").count() == 2
        assert plots.first.locator("text.legend").all_text_contents() == ["mixed_1x1", "mixed_5x5", "mixed_pool_reduce"]
        page.locator(".branch-table a", has_text="mixed_5x5").click()
        assert page.url.endswith("#branch-2")
        page.screenshot(path=SCREENSHOT, full_page=True)
        assert watched.failed == []  # the favicon too: every page links it
        assert watched.problems == []
