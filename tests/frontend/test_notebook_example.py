"""The notebook example in docs/api.md runs as written against a live server over the toy store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from frontend import STATIC_DIR

README = Path(__file__).resolve().parents[2] / "docs" / "api.md"
MARKER = "<!-- notebook-example -->"


def readme_example() -> str:
    """The ```python block that follows the marker in docs/api.md."""
    found = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert found, f"docs/api.md has no ```python block after {MARKER}"
    return found.group(1)


def test_readme_example_is_the_file_the_docs_serve() -> None:
    assert readme_example() == (STATIC_DIR / "notebook_example.py").read_text()


def test_readme_example_pulls_units_examples_and_weights_from_a_live_server(toy_server: str) -> None:
    pytest.importorskip("pandas")
    env = {**os.environ, "MICROSCOPE_URL": toy_server}
    env.pop("MICROSCOPE_MODEL", None)
    env.pop("MICROSCOPE_LAYER", None)
    run = subprocess.run([sys.executable, "-c", readme_example()], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "block1:0" in run.stdout  # the units table
    assert "W (6, 4, 2, 2) from conv1" in run.stdout  # the weights into block1 as a numpy array
