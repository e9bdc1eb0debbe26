"""The hostile suite's stack itself: a real service probing through a real worker, with an instructor's token."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import pytest
from PIL import Image

from tests.hostile.conftest import DEMO, Stack


def png_bytes() -> bytes:
    """A small valid PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_stack_serves_pages_and_probes_through_its_worker(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.url}/api/v1/models/{DEMO}/probe", timeout=30) as response:
        assert json.load(response)["worker"] == "up"
    with urllib.request.urlopen(f"{stack.url}/models/toy-net/layers/block1/units/2", timeout=30) as response:
        assert response.status == 200


def test_probing_a_model_the_worker_lacks_is_a_404_saying_how_to_start_one(stack: Stack) -> None:
    request = urllib.request.Request(
        f"{stack.url}/api/v1/models/toy-net/probe", data=png_bytes(), headers={"content-type": "image/png"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    detail = json.loads(refused.value.read())["detail"]
    assert refused.value.code == 404, detail  # not 503: no retry helps until a worker serves the model
    assert "does not serve model 'toy-net'" in detail and "microscope probe-worker --model toy-net" in detail
