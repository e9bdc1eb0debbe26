"""Data flows one way (models → precompute → store → app → frontend): the import table of ARCHITECTURE.md."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _loaded_after_import(module: str) -> set[str]:
    """Top-level packages in sys.modules after importing `module` in a fresh interpreter."""
    code = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def _imported_packages(path: Path) -> set[str]:
    """Top-level packages a source file imports anywhere (module level or lazily inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _violations(package: str, forbidden: set[str]) -> dict[str, set[str]]:
    files = sorted((REPO / package).rglob("*.py"))
    found = {str(f.relative_to(REPO)): _imported_packages(f) & forbidden for f in files}
    return {name: bad for name, bad in found.items() if bad}


@pytest.mark.parametrize("module", ["store", "store.reader", "store.writer", "store.integrity"])
def test_importing_store_loads_neither_torch_nor_fastapi(module: str) -> None:
    assert not _loaded_after_import(module) & {"torch", "torchvision", "fastapi"}


def test_importing_the_app_does_not_load_torch() -> None:
    assert not _loaded_after_import("app.main") & {"torch", "torchvision", "precompute"}


def test_importing_the_pipeline_loads_neither_fastapi_nor_the_app() -> None:
    loaded = _loaded_after_import("precompute.pipeline")
    assert "torch" in loaded  # control: the probe does see what an import pulls in
    assert not loaded & {"fastapi", "app", "starlette"}


def test_store_sources_import_neither_torch_nor_fastapi() -> None:
    assert _violations("store", {"torch", "torchvision", "fastapi", "starlette", "precompute", "app"}) == {}


@pytest.mark.parametrize("package", ["app", "frontend"])
def test_web_sources_import_neither_torch_nor_precompute(package: str) -> None:
    assert _violations(package, {"torch", "torchvision", "precompute"}) == {}


def test_notes_sources_import_neither_torch_nor_the_web_nor_the_store() -> None:
    # The annotation database stands apart: the app reads it beside the store, never through it.
    forbidden = {"torch", "torchvision", "fastapi", "starlette", "precompute", "app", "frontend", "store"}
    assert _violations("notes", forbidden) == {}


def test_importing_the_notes_loads_neither_torch_nor_fastapi() -> None:
    assert not _loaded_after_import("notes.book") & {"torch", "torchvision", "fastapi", "store"}


def test_precompute_sources_import_neither_the_app_nor_fastapi() -> None:
    assert _violations("precompute", {"app", "fastapi", "starlette", "frontend"}) == {}


def _app_parts_imported(path: Path) -> set[str]:
    """The parts of the app (a package or a top-level module: `app.units.present` → `units`) a source file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "app":
            parts = node.module.split(".")[1:]
            found.update(parts[:1] or [alias.name for alias in node.names])
    return found


def test_the_apps_packages_import_each_other_without_circles() -> None:
    # One package per resource: what a package imports never imports it back, however far round.
    graph: dict[str, set[str]] = {}
    for path in (REPO / "app").rglob("*.py"):
        part = path.relative_to(REPO / "app").parts[0].removesuffix(".py")
        graph.setdefault(part, set()).update(_app_parts_imported(path) - {part})
    circles = []
    for start in sorted(graph):
        seen, todo = set(), list(graph[start])
        while todo:
            part = todo.pop()
            if part not in seen:
                seen.add(part)
                todo.extend(graph.get(part, ()))
        if start in seen:
            circles.append(start)
    assert circles == []


def test_boundary_scan_sees_every_package() -> None:
    # Guards the static checks above against silently scanning an empty or moved tree.
    for package in ("store", "precompute", "app", "frontend", "notes"):
        assert list((REPO / package).rglob("*.py")), package
