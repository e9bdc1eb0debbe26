"""`microscope demo` hands its options, the CPU threads among them, to the demo build."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from microscope.cli import app
from precompute.config import PRESETS
from precompute.demo import build
from precompute.demo.build import DemoConfig


class _Summary:
    def describe(self, store: object) -> str:
        return f"built {store}"


@pytest.fixture
def demo_configs(monkeypatch: pytest.MonkeyPatch) -> list[DemoConfig]:
    """The configs `microscope demo` would build, recorded instead of built."""
    seen: list[DemoConfig] = []
    monkeypatch.setattr(build, "run_demo", lambda config, echo: seen.append(config) or [_Summary()])
    return seen


def test_threads_option_reaches_the_demo(tmp_path: Path, demo_configs: list[DemoConfig]) -> None:
    done = CliRunner().invoke(app, ["demo", "--no-serve", "--store", str(tmp_path), "--threads", "2"])
    assert done.exit_code == 0, done.output
    assert demo_configs[0].threads == 2


def test_threads_default_to_the_environment_or_none(tmp_path: Path, demo_configs: list[DemoConfig]) -> None:
    args = ["demo", "--no-serve", "--store", str(tmp_path)]
    CliRunner().invoke(app, args, env={"MICROSCOPE_THREADS": None})
    CliRunner().invoke(app, args, env={"MICROSCOPE_THREADS": "1"})
    assert [config.threads for config in demo_configs] == [None, 1]


def test_steps_default_to_the_demo_presets(tmp_path: Path, demo_configs: list[DemoConfig]) -> None:
    done = CliRunner().invoke(app, ["demo", "--no-serve", "--store", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert demo_configs[0].steps == PRESETS["demo"]["steps"] == DemoConfig().steps
