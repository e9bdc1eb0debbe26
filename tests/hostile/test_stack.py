"""The hostile suite's stack itself: a real service probing through a real worker, with an instructor's token."""

from __future__ import annotations

import json
import urllib.request

from tests.hostile.conftest import DEMO, Stack


def test_the_stack_serves_pages_and_probes_through_its_worker(stack: Stack) -> None:
    with urllib.request.urlopen(f"{stack.url}/api/v1/models/{DEMO}/probe", timeout=30) as response:
        assert json.load(response)["worker"] == "up"
    with urllib.request.urlopen(f"{stack.url}/models/toy-net/layers/block1/units/2", timeout=30) as response:
        assert response.status == 200
