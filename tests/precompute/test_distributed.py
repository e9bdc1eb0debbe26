"""`microscope precompute --ray` on a local two-worker Ray cluster: a worker killed mid-run is retried, and the store
equals a single-process run's (every row, every file), in SQLite and in PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from precompute import distributed
from precompute.distributed_tasks import ModelSpec
from precompute.pipeline import PrecomputeConfig, run_precompute
from store.db import database_path
from store.integrity import check_store
from tests import postgres
from tests.precompute.runs import contents

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray", reason='Ray is not installed (pip install "microscope[ray]")')
psutil = pytest.importorskip("psutil", reason="psutil (which finds the Ray worker to kill) is not installed")

# Three layers at 8 steps: every stage's tasks and a worker killed mid-render, in few tasks. A Ray run's many small
# round trips (driver, raylet, worker) slow down several times on a busy machine, so the test keeps them few.
LAYERS = ("relu", "layer1.0", "linear")
UNITS = 16 + 16 + 10
TIMESTAMPS = {"created_at", "finished_at"}  # when a row was written: the only columns two equal runs differ in


def _config(store: Path, weights: Path, images: Path) -> PrecomputeConfig:
    return PrecomputeConfig(
        model="cifar-resnet20",
        store=store,
        weights=weights,
        images=images,
        layers=LAYERS,
        steps=8,
        top_k=4,
        image_batch=4,  # 36 images: shards of several forward batches
        vis_batch=8,
        kinds=("channel", "diversity"),
        diversity=2,
        tuning=False,  # runs in the driver either way; tested in test_tuning.py
        threads=1,  # CPU results can depend on the thread count: one per task, as in the single-process run
        progress=False,
    )


@pytest.fixture(scope="module")
def single_store(tmp_path_factory: pytest.TempPathFactory, random_resnet20: Path, tiny_images: Path) -> Path:
    """The store one process precomputes (SQLite), what every Ray run here must equal."""
    config = _config(tmp_path_factory.mktemp("single"), random_resnet20, tiny_images)
    run_precompute(config)
    return config.store


def _command(config: PrecomputeConfig, address: str, *store: str) -> list[str]:
    """The `microscope precompute --ray ADDRESS` of `config`, into `store`'s options (else --store config.store)."""
    options = ["--model", config.model, "--weights", str(config.weights), "--images", str(config.images)]
    options += ["--layers", ",".join(LAYERS), "--steps", "8", "--top-k", "4", "--image-batch", "4"]
    options += ["--vis-batch", "8", "--kinds", "channel,diversity", "--diversity", "2", "--no-tuning"]
    options += ["--threads", "1", "--no-progress", *(store or ("--store", str(config.store))), "--ray", address]
    return [sys.executable, "-m", "microscope", "precompute", *options]


def _busy_renderer() -> psutil.Process | None:
    """A Ray worker of this process's cluster rendering a feature-vis batch (Ray titles a worker by its task)."""
    for process in psutil.Process().children(recursive=True):
        try:
            if process.cmdline()[:1] == ["ray::render_task"]:
                return process
        except psutil.Error:
            continue  # ended meanwhile
    return None


def _rows(store: Path) -> dict[str, list[tuple]]:
    """Every table's rows (timestamps left out), in order: ids included, so rows must be written in the same order."""
    with sqlite3.connect(f"file:{database_path(store)}?mode=ro", uri=True) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")') if c[1] not in TIMESTAMPS]
            quoted = ", ".join(f'"{column}"' for column in columns)
            found[table] = sorted(map(repr, connection.execute(f'SELECT {quoted} FROM "{table}"')))
    return found


def _files(assets: Path) -> list[str]:
    """The asset files' names (their content hashes) and folders."""
    return sorted(str(path.relative_to(assets)) for path in assets.rglob("*") if path.is_file())


def test_ray_run_survives_a_killed_worker_and_stores_what_one_process_stores(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, cluster_address: str, single_store: Path
) -> None:
    config = _config(tmp_path / "ray", random_resnet20, tiny_images)
    run = subprocess.Popen(_command(config, cluster_address), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, victim = time.monotonic() + 240, None
    while victim is None and run.poll() is None and time.monotonic() < deadline:
        victim = _busy_renderer()
        time.sleep(0.02)
    assert victim is not None, "no worker was seen rendering before the run ended"
    os.kill(victim.pid, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=max(deadline - time.monotonic(), 1))
    assert run.returncode == 0, stderr[-3000:]
    assert f"{3 * UNITS} feature visualizations rendered" in stdout
    report = check_store(config.store, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["units"] == UNITS
    assert _rows(config.store) == _rows(single_store)
    assert _files(config.store / "assets") == _files(single_store / "assets")


def test_ray_run_into_postgresql_stores_what_one_process_stores_in_sqlite(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, cluster_address: str, single_store: Path
) -> None:
    config = _config(tmp_path, random_resnet20, tiny_images)
    with postgres.store_location("postgresql", tmp_path) as location:
        store = ("--db", location.db_url, "--assets", str(location.assets))
        done = subprocess.run(_command(config, cluster_address, *store), capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"{3 * UNITS} feature visualizations rendered" in done.stdout
        report = check_store(location, verify_hashes=True)
        assert report.ok, report.problems
        assert report.counts["units"] == UNITS
        assert contents(location.db_url) == contents(single_store)  # row ids aside: PostgreSQL numbers them its way
    assert _files(location.assets) == _files(single_store / "assets")


def test_a_ray_run_killed_midway_resumes_with_every_unit_once(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, cluster_address: str
) -> None:
    command = _command(_config(tmp_path, random_resnet20, tiny_images), cluster_address)
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _feature_vis_count(tmp_path) < 16 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be killed midway"
    os.kill(run.pid, signal.SIGKILL)  # the driver: its tasks die with it
    run.wait()
    killed_at = _feature_vis_count(tmp_path)

    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{3 * UNITS - killed_at} feature visualizations rendered" in done.stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["units"] == UNITS and report.counts["feature_vis"] == 3 * UNITS


def _feature_vis_count(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database_path(store)}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM feature_vis").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def test_cuda_on_a_cluster_without_gpus_is_refused_before_any_work(random_resnet20: Path, cluster_address: str) -> None:
    spec = ModelSpec.of("cifar-resnet20", random_resnet20, None, "cuda", 1)
    with pytest.raises(ValueError, match="has no GPU; use --device cpu"), distributed.connect(cluster_address, spec):
        pass


def test_a_task_lost_more_often_than_ray_retries_is_an_error_saying_to_rerun(
    random_resnet20: Path, cluster_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distributed, "RETRIES", 0)
    spec = ModelSpec.of("cifar-resnet20", random_resnet20, None, "cpu", 1)
    with distributed.connect(cluster_address, spec) as cluster:
        lost = cluster.submit(lambda: os._exit(1))  # the worker dies mid-task
        with pytest.raises(distributed.TaskFailed, match="failed after 0 retries.*run the same command again"):
            list(cluster.in_order([lost]))
