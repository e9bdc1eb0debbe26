"""The base install (`pip install microscope`, no torch): the store and the app work, the precompute says what to add.

Each check runs in a fresh interpreter that cannot find the packages of the `[precompute]` extra, as after a base
install; the toy store is built here, with them, and only read there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# What only `pip install "microscope[precompute]"` brings (pyproject.toml's extra, by import name).
PRECOMPUTE_EXTRA = ("torch", "torchvision", "tqdm")  # numpy and pillow are in the base install (tensors, kernels)

# Wraps every import finder so that these packages are not found at all, as if they were not installed: `import
# torch` raises ModuleNotFoundError(name="torch") and importlib.util.find_spec("torch") is None, however a command
# chooses to test for them.
_WITHOUT_PRECOMPUTE_EXTRA = f"""
import sys

HIDDEN = {PRECOMPUTE_EXTRA!r}


class _HideExtra:
    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            return None
        find = getattr(self.finder, "find_spec", None)
        return find(name, path, target) if find else None

    def __getattr__(self, attribute):
        return getattr(self.finder, attribute)


sys.meta_path[:] = [_HideExtra(finder) for finder in sys.meta_path]
"""

_RUN_MICROSCOPE = """
import runpy
sys.argv = ["microscope", *sys.argv[1:]]
runpy.run_module("microscope", run_name="__main__")
"""

_SERVE_TOY_STORE = """
import json
from pathlib import Path
from fastapi.testclient import TestClient
from app.web.config import Settings
from app.main import create_app

client = TestClient(create_app(Settings(store=Path(sys.argv[1]))))
unit = client.get("/api/v1/models/toy-net/layers/block1/units/2")
asset = client.get(unit.json()["feature_vis"][0]["url"])
page = client.get("/models/toy-net/layers/block1/units/2")
print(json.dumps({
    "models": client.get("/api/v1/models").json(),
    "unit": unit.status_code,
    "asset": [asset.status_code, asset.headers["content-type"]],
    "page": [page.status_code, page.headers["content-type"], "block1" in page.text],
    "extra_loaded": sorted({m.split(".")[0] for m in sys.modules} & set(HIDDEN)),
}))
"""


def _run_without_precompute_extra(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `code` (with `args` as sys.argv[1:]) in a fresh interpreter that cannot import the precompute extra."""
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_PRECOMPUTE_EXTRA + code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("package", PRECOMPUTE_EXTRA)
def test_the_probe_hides_each_package_of_the_precompute_extra(package: str) -> None:
    # Control: without it, every test below would pass vacuously on a machine that has torch.
    code = f"import importlib.util\nassert importlib.util.find_spec({package!r}) is None\nimport {package}"
    done = _run_without_precompute_extra(code)
    assert done.returncode == 1
    assert f"ModuleNotFoundError: No module named '{package}'" in done.stderr


def test_store_app_and_command_import_without_the_precompute_extra() -> None:
    code = "import store.reader, store.writer, store.integrity, app.main, app.server, microscope.cli, precompute.cli"
    done = _run_without_precompute_extra(code)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_app_serves_a_store_without_the_precompute_extra(toy_store: Path) -> None:
    done = _run_without_precompute_extra(_SERVE_TOY_STORE, str(toy_store))
    assert done.returncode == 0, done.stderr[-3000:]
    served = json.loads(done.stdout.splitlines()[-1])
    assert [model["id"] for model in served["models"]] == ["toy-net"]
    assert served["unit"] == 200
    assert served["asset"] == [200, "image/png"]
    assert served["page"][0] == 200 and served["page"][1].startswith("text/html") and served["page"][2]
    assert served["extra_loaded"] == []


@pytest.mark.parametrize("command", [("serve", "--help"), ("check", "--store", "{store}")])
def test_serve_and_check_run_without_the_precompute_extra(command: tuple[str, ...], toy_store: Path) -> None:
    done = _run_without_precompute_extra(_RUN_MICROSCOPE, *(arg.format(store=toy_store) for arg in command))
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize(
    "command", [("precompute", "--model", "demo-inception", "--store", "{store}"), ("models",)], ids=" ".join
)
def test_precompute_commands_without_torch_say_which_extra_to_install(command: tuple[str, ...], tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = _run_without_precompute_extra(_RUN_MICROSCOPE, *(arg.format(store=store) for arg in command))
    assert done.returncode == 2, done.stderr[-3000:]
    assert 'pip install "microscope[precompute]"' in done.stderr
    assert "Traceback" not in done.stderr
