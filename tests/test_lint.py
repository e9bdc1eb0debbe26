"""The code base passes ruff (configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_finds_nothing() -> None:
    done = subprocess.run(["ruff", "check", "--no-cache", str(REPO)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:]
