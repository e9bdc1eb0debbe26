"""The probe form in a real chromium, with JavaScript on and off: upload a file, see each unit's map over it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.app.probe_fakes import fake_worker

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 120, 220)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def probe_server(toy_store: Path, live_server: Callable[[Path], str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server over the toy store whose settings name a (fake) probe worker."""
    with fake_worker() as (url, _fake):
        monkeypatch.setenv("MICROSCOPE_PROBE_URL", url)
        yield live_server(toy_store)


@pytest.mark.parametrize("js", [True, False], ids=["with JS", "without JS"])
def test_uploading_an_image_shows_each_units_map(
    browser: Any, probe_server: str, load_all_images: Callable[[Any], list[dict[str, Any]]], js: bool
) -> None:
    context = browser.new_context(java_script_enabled=js)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{probe_server}/models/toy-net")
    page.get_by_role("link", name="Probe an image").click()
    page.set_input_files("input[name=image]", {"name": "mine.png", "mimeType": "image/png", "buffer": _png()})
    page.select_option("select[name=layer]", "block1")
    page.fill("input[name=unit]", "1")
    page.get_by_role("button", name="Probe").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Units of block1 on your image"
    images = load_all_images(page)
    assert len(images) >= 8 and all(i["complete"] and i["naturalWidth"] > 0 for i in images), images
    assert page.locator(".probe-grid a[href='/models/toy-net/layers/block1/units/5']").count() >= 1
    assert errors == [] and (page.evaluate("window.__csp") if js else []) == []
    context.close()


def test_a_refused_upload_shows_the_form_with_the_reason(browser: Any, probe_server: str) -> None:
    page = browser.new_page()
    page.goto(f"{probe_server}/models/toy-net/probe")
    page.set_input_files("input[name=image]", {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hi"})
    page.get_by_role("button", name="Probe").click()
    page.wait_for_load_state()
    assert "not an image" in page.locator(".probe-error").inner_text()
    assert page.locator("form.probe-form").count() == 1
    page.close()
