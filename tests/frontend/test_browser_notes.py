"""In chromium: an instructor signs in with a token, writes a note on a unit page, and everyone sees it as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from notes import tokens
from notes.book import NotesBook
from tests.frontend.conftest import running_server

pytestmark = pytest.mark.browser
UNIT_PATH = "/models/toy-net/layers/conv1/units/2"


def test_an_instructor_writes_a_note_that_renders_as_text(browser: Any, toy_store: Path, tmp_path: Path) -> None:
    book = NotesBook(f"sqlite:///{tmp_path / 'notes.sqlite'}")
    with book.writing() as session:
        token = tokens.create(session, "alice")
    with running_server(toy_store, book.url) as base_url:
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base_url + UNIT_PATH)
        page.click("text=Instructor? Sign in to write a note.")
        page.fill("input[name=token]", token)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(base_url + UNIT_PATH)
        page.fill("input[name=label]", "stripes")
        page.fill("textarea[name=body]", "**bold** <script>alert(1)</script>")
        page.click("button:has-text('Save')")
        page.wait_for_url(base_url + UNIT_PATH)
        body = page.locator(".note-body")
        assert body.locator("strong").inner_text() == "bold"
        assert "<script>alert(1)</script>" in body.inner_text() and body.locator("script").count() == 0
        anonymous = browser.new_context().new_page()
        anonymous.goto(base_url + UNIT_PATH)
        assert anonymous.locator(".note-label").inner_text() == "stripes"
        assert anonymous.locator("textarea").count() == 0
        anonymous.click("text=This note's history")
        entry = anonymous.locator(".note-edit-entry")
        assert entry.count() == 1 and "alice" in entry.inner_text()
        assert "<script>alert(1)</script>" in entry.locator("pre.note-after").inner_text()
        assert anonymous.locator(".note-history script").count() == 0
        context.close()
        assert errors == []
