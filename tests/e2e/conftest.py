"""A real precompute of the shared CIFAR ResNet-20 on real CIFAR-10 test images, shared by the end-to-end tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_shared

E2E_MODEL = "cifar-resnet20"
E2E_IMAGES = 300  # 30 per class, taken class by class in turn
E2E_STEPS = 64  # enough to lift every unit far above its dataset maximum; minutes on two CPU cores


def microscope(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run the real `microscope` command line."""
    return subprocess.run(
        [sys.executable, "-m", "microscope", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def resnet20_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every view of every unit of the real ResNet-20, computed through the CLI."""
    weights = require_shared("weights", "cifar10-resnet20.th")
    images = require_shared("data", "cifar10", "test")
    store = tmp_path_factory.mktemp("resnet20-store")
    done = microscope(
        "precompute", "--model", E2E_MODEL, "--weights", str(weights), "--images", str(images),
        "--max-images", str(E2E_IMAGES), "--steps", str(E2E_STEPS), "--top-k", "8", "--store", str(store),
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return store
