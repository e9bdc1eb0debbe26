"""In chromium: a tour imported for the toy store plays through in presentation mode with the keyboard, on a phone
and on a projector, a missing stop showing as "not in this store" and a stop whose claim fails showing its warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notes import tours
from notes.book import NotesBook
from notes.tour_file import parse
from tests.frontend.conftest import running_server
from tests.frontend.tour_player import VIEWPORTS, play, shown

pytestmark = pytest.mark.browser
TOUR = """slug: toy
title: The toy net, stop by stop
stops:
  - unit: toy-net/conv1:1
    caption: An edge unit.
  - circuit: toy-net/conv1:0,1;block1:2
    caption: "**Connected** <script>alert(1)</script>"
  - unit: toy-net/conv1:99
    caption: Not stored here.
  - unit: toy-net/fc:2
    caption: The last class.
"""


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_a_tour_plays_through_with_the_keyboard(browser: Any, toy_store: Path, tmp_path: Path, screen: str) -> None:
    book = NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    tours.put(book, parse(TOUR), author="alice")
    with running_server(toy_store, book.url) as base_url:
        context = browser.new_context(viewport=VIEWPORTS[screen])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        play(page, f"{base_url}/tours/toy/present", stops=4, min_image=300 if screen == "phone" else 500)
        page.goto(f"{base_url}/tours/toy/present#stop-3")
        assert shown(page) == 3 and "Not in this store" in page.locator(".tour-stop:visible").inner_text()
        page.goto(f"{base_url}/tours/toy/present#stop-2")
        caption = page.locator(".tour-stop:visible .stop-caption")
        assert "<script>alert(1)</script>" in caption.inner_text() and caption.locator("script").count() == 0
        context.close()
        assert errors == []


def test_presenting_a_stop_whose_claim_fails_shows_its_warning_on_screen(
    browser: Any, toy_store: Path, tmp_path: Path
) -> None:
    book = NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    claimed = TOUR.replace(
        "caption: The last class.", "caption: Red.\n    claims: [{top_examples: red, at_least: 0.75}]"
    )
    tours.put(book, parse(claimed.replace("toy-net/fc:2", "toy-net/block1:2")), author="alice")
    with running_server(toy_store, book.url) as base_url:
        page = browser.new_context(viewport=VIEWPORTS["projector"]).new_page()
        page.goto(f"{base_url}/tours/toy/present#stop-4")
        warning = page.locator(".tour-stop:visible .claim-warning")
        assert warning.is_visible() and "top_examples red ≥ 0.75 — measured now: 0.33 (1 of 3)" in warning.inner_text()
        page.goto(f"{base_url}/tours/toy/present#stop-1")
        assert page.locator(".tour-stop:visible .claim-warning").count() == 0
        page.context.close()
