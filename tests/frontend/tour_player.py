"""Play a tour's presentation mode with the keyboard in a Playwright page, checking the shown stop at each step."""

from __future__ import annotations

from typing import Any

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "projector": {"width": 1920, "height": 1080}}


def shown(page: Any) -> int:
    """The number of the one stop on screen (asserting there is exactly one) and that the URL and counter agree."""
    visible = page.locator(".tour-stop:visible")
    assert visible.count() == 1
    number = int(visible.get_attribute("data-stop"))
    assert page.evaluate("window.location.hash") == f"#stop-{number}"
    assert page.locator(".presentation .current").inner_text() == str(number)
    return number


def fits(page: Any, min_image: int) -> None:
    """The page scrolls no wider than the screen; a stop's one image is at least `min_image` px wide (each of several,
    a third of that)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    images = page.locator(".tour-stop:visible .stop-image img")  # the units' pictures (not their examples' crops)
    least = min_image if images.count() == 1 else min_image / 3
    for i in range(images.count()):
        assert images.nth(i).bounding_box()["width"] >= least


def play(page: Any, present_url: str, stops: int, min_image: int) -> None:
    """Open the presentation, go → to the end and ← back to the start, then Home/End, a #stop-N link, and Esc."""
    page.goto(present_url)
    assert shown(page) == 1
    for number in range(2, stops + 1):
        page.keyboard.press("ArrowRight")
        assert shown(page) == number
        fits(page, min_image)
    page.keyboard.press("ArrowRight")  # past the end: stays on the last stop
    assert shown(page) == stops
    for number in range(stops - 1, 0, -1):
        page.keyboard.press("ArrowLeft")
        assert shown(page) == number
    page.keyboard.press("End")
    assert shown(page) == stops
    page.keyboard.press("Home")
    assert shown(page) == 1
    page.keyboard.press("PageDown")
    assert shown(page) == min(2, stops)
    page.goto(f"{present_url}#stop-{stops}")
    page.reload()
    assert shown(page) == stops
    page.keyboard.press("Escape")
    page.wait_for_url(present_url.removesuffix("/present"))
