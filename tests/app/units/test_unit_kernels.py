"""Connection weights on the unit page: spatial kernels on one shared scale, everything else as signed bars."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from tests.app.stores import build_query_store as build_store


def test_unit_page_draws_spatial_kernels_on_one_scale_with_a_legend(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/block1/units/2").text
    inputs = html[html.index("<h2>Inputs</h2>") : html.index("<h2>Outputs</h2>")]
    assert 'class="kernel"' in inputs and "Kernels share one colour scale" in inputs  # the toy kernels are 2×2
    assert 'class="weight-bar"' not in inputs


def test_unit_page_draws_one_by_one_connections_as_bars_without_a_kernel_legend(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(store=build_store(tmp_path, 2)))) as client:  # its kernels are 1×1
        html = client.get("/models/big/layers/mixed1/units/0").text
    inputs = html[html.index("<h2>Inputs</h2>") : html.index("<h2>Outputs</h2>")]
    assert inputs.count('class="weight-bar"') == 12 and 'class="kernel"' not in inputs
    assert "Kernels share one colour scale" not in inputs
