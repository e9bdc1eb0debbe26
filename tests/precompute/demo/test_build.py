"""`microscope demo --no-serve` with the network unplugged builds a store that serves 4b:409 with every view."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from precompute.demo.build import DemoConfig, run_demo
from precompute.threads import threads_line


def _demo(store: Path) -> list[str]:
    """`microscope demo --no-serve` at 4 steps into `store`, with the network unplugged where possible."""
    command = [sys.executable, "-m", "microscope", "demo", "--no-serve", "--steps", "4"]
    return _offline([*command, "--store", str(store), "--no-progress"])


def _offline(command: list[str]) -> list[str]:
    # A fresh network namespace has no route anywhere: the demo must not need one.
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], check=False).returncode == 0:
        return ["unshare", "-n", *command]
    return command


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    store = tmp_path_factory.mktemp("demo-store")
    done = subprocess.run(_demo(store), capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return store, done.stdout


@pytest.mark.slow
def test_demo_prints_a_held_out_accuracy_of_at_least_90_percent(demo_run: tuple[Path, str]) -> None:
    match = re.search(r"held-out accuracy ([\d.]+)%", demo_run[1])
    assert match, demo_run[1]
    assert float(match[1]) >= 90


@pytest.mark.slow
def test_demo_store_serves_4b_409_with_every_view(demo_run: tuple[Path, str]) -> None:
    client = TestClient(create_app(Settings(store=demo_run[0])))
    redirect = client.get("/api/v1/models/demo-inception/units/4b:409", follow_redirects=False)
    assert redirect.headers["location"].endswith("/api/v1/models/demo-inception/layers/mixed4b/units/409")
    unit = client.get(redirect.headers["location"]).json()
    assert unit["branch"] == "mixed4b_5x5"
    assert unit["feature_vis"] and unit["dataset_examples"] and unit["inputs"] and unit["outputs"]
    assert unit["inputs"][0]["layer"] == "mixed4a" and unit["outputs"][0]["layer"] == "fc"
    assert client.get(unit["feature_vis"][0]["url"]).status_code == 200
    page = client.get("/models/demo-inception/units/4b:409")
    assert page.status_code == 200 and "mixed4b:409" in page.text


@pytest.mark.slow
def test_rerunning_the_demo_reuses_everything(demo_run: tuple[Path, str]) -> None:
    done = subprocess.run(_demo(demo_run[0]), capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "0 feature visualizations rendered" in done.stdout


class _Stop(Exception):
    pass


def test_demo_first_limits_torch_threads_and_says_so(tmp_path: Path) -> None:
    lines: list[str] = []

    def echo_then_stop(line: str) -> None:
        lines.append(line)
        raise _Stop  # before any work

    before = torch.get_num_threads()
    try:
        with pytest.raises(_Stop):
            run_demo(DemoConfig(store=tmp_path, threads=1), echo=echo_then_stop)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert lines == [threads_line(1)]
