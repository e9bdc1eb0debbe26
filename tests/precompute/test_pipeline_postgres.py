"""A precompute into PostgreSQL whose server drops its connections (as a restart does) retries or fails clearly,
and a re-run completes a store that `microscope check` passes with every unit once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microscope.cli import app
from precompute.optvis import Renderer
from store.integrity import check_store
from store.location import StoreLocation
from store.writer import StoreWriter
from tests import postgres

LAYERS = "relu,layer1.0"
HOW = ("terminate", "restart")  # the server closes the connections, or really restarts (when the test may do it)
UNITS = 16 + 16


@pytest.fixture
def location(tmp_path: Path) -> Iterator[StoreLocation]:
    """An empty store in a fresh schema of the test server."""
    with postgres.store_location("postgresql", tmp_path) as found:
        yield found


@pytest.fixture(params=HOW)
def how(request: pytest.FixtureRequest) -> str:
    """How the server cuts the connections: `restart` needs a command that may restart it (else skips)."""
    if request.param == "restart":
        postgres.restart_command()
    return request.param


def _precompute(location: StoreLocation, weights: Path, images: Path) -> tuple[int, str]:
    """Run `microscope precompute --db … --assets …` (channel images only, two layers); its exit code and output."""
    args = ["precompute", "--model", "cifar-resnet20", "--weights", str(weights), "--images", str(images)]
    args += ["--layers", LAYERS, "--kinds", "channel", "--steps", "2", "--top-k", "2", "--no-cards", "--no-progress"]
    done = CliRunner().invoke(app, [*args, "--db", location.db_url, "--assets", str(location.assets)])
    return done.exit_code, " ".join(done.output.split())


def _check(location: StoreLocation) -> None:
    report = check_store(location)
    assert report.ok, report.problems
    assert report.counts["units"] == UNITS and report.counts["feature_vis"] == UNITS


def test_connections_dropped_between_writes_are_replaced_and_the_run_completes(
    how: str, location: StoreLocation, random_resnet20: Path, tiny_images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render, open_then = Renderer.render, []

    def render_then_restart(*args: object, **kwargs: object) -> object:
        if not open_then:  # while the first batch renders, the server closes the writer's idle connections
            open_then.append(postgres.other_connections(location.db_url))
            postgres.interrupt_server(how, location.db_url)
        return real_render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "render", render_then_restart)
    code, output = _precompute(location, random_resnet20, tiny_images)
    assert open_then[0] >= 1  # the writer's pooled connection was open, and is cut
    assert code == 0, output
    _check(location)


def test_connection_dropped_mid_transaction_fails_clearly_and_a_rerun_completes(
    how: str, location: StoreLocation, random_resnet20: Path, tiny_images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put, calls = StoreWriter._put_asset, []

    def put_then_restart(self: StoreWriter, *args: object, **kwargs: object) -> str:
        calls.append(1)
        if len(calls) == 5:  # inside put_feature_vis's transaction, after its first rows
            postgres.interrupt_server(how, location.db_url)
        return real_put(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(StoreWriter, "_put_asset", put_then_restart)
    code, output = _precompute(location, random_resnet20, tiny_images)
    assert code == 2
    assert "cannot use the store database postgresql://microscope:***@" in output
    assert "check that its server is running" in output
    assert check_store(location).ok  # the interrupted transaction left nothing half-written
    monkeypatch.setattr(StoreWriter, "_put_asset", real_put)
    code, output = _precompute(location, random_resnet20, tiny_images)
    assert code == 0, output
    _check(location)
