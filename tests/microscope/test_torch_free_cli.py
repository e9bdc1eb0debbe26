"""Without PyTorch, `microscope` still helps, checks, imports labels and serves; torch commands say how to get it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

INSTALL = 'pip install "microscope[precompute]"'

# Runs `microscope ARGS` in a fresh interpreter where importing torch or torchvision fails, as in the base install.
_WITHOUT_TORCH = """
import sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "torchvision"):
            raise ImportError("No module named " + repr(name))
        return None

sys.meta_path.insert(0, NoTorch())
{setup}
sys.argv = ["microscope", *{args!r}]
from microscope.cli import main
main()
"""


def _without_torch(*args: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    code = _WITHOUT_TORCH.format(setup=setup, args=list(args))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def store(toy_store: Path, tmp_path: Path) -> Path:
    """A private copy of the toy store (labels import writes into it)."""
    return Path(shutil.copytree(toy_store, tmp_path / "store", ignore=shutil.ignore_patterns("*-shm")))


def test_help_works_without_torch() -> None:
    done = _without_torch("--help")
    assert done.returncode == 0, done.stderr
    assert "precompute" in done.stdout and "serve" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["models"],
        ["precompute", "--model", "cifar-resnet20"],
        ["demo", "--no-serve", "--store", "unused"],
        ["probe-worker", "--model", "demo-inception"],
    ],
)
def test_torch_commands_exit_2_with_the_install_command(args: list[str]) -> None:
    done = _without_torch(*args)
    assert done.returncode == 2, done.stderr
    assert INSTALL in done.stderr and f"microscope {args[0]} needs PyTorch" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_check_works_without_torch(store: Path) -> None:
    done = _without_torch("check", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_labels_import_works_without_torch(store: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "block1.json").write_text('[{"name": "Curves", "units": [1]}]', encoding="utf-8")
    done = _without_torch("labels", "import", "toy-net", str(labels), "--store", str(store))
    assert done.returncode == 0, done.stderr


def test_assets_sync_works_without_torch(store: Path, tmp_path: Path) -> None:
    done = _without_torch("assets", "sync", str(tmp_path / "www"), "--store", str(store), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("copied ") and any((tmp_path / "www").glob("*/*.png"))


def test_serve_works_without_torch(store: Path) -> None:
    fake_uvicorn = "import uvicorn; uvicorn.run = lambda app, **kw: print('serving', kw['port'])"
    done = _without_torch("serve", "--store", str(store), "--port", "8123", setup=fake_uvicorn)
    assert done.returncode == 0, done.stderr
    assert "serving 8123" in done.stdout
