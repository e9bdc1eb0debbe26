"""A headless browser on pages served from a real precompute of the CIFAR ResNet-20 sees every image load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import E2E_MODEL
from tests.frontend.conftest import running_server

pytestmark = [pytest.mark.browser, pytest.mark.shared, pytest.mark.slow]


@pytest.mark.parametrize("path", ["layers/layer2.0/units/5", "layers/linear/units/3", "layers/layer3.2"])
def test_real_pages_load_every_image(
    browser: Any, resnet20_store: Path, load_all_images: Callable[[Any], list[dict[str, Any]]], path: str
) -> None:
    page = browser.new_page()
    with running_server(resnet20_store) as base_url:
        response = page.goto(f"{base_url}/models/{E2E_MODEL}/{path}")
        assert response is not None and response.status == 200
        images = load_all_images(page)
    page.close()
    assert len(images) >= 8
    broken = [image["src"] for image in images if not image["complete"] or image["naturalWidth"] == 0]
    assert not broken, broken
