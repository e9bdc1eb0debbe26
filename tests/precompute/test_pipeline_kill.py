"""A precompute killed with SIGKILL in the middle of its work resumes on the next run and ends consistent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.db import database_path
from store.integrity import check_store

pytestmark = pytest.mark.slow


def _feature_vis_rows(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database_path(store)}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM feature_vis").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def _command(store: Path, weights: Path, images: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "microscope",
        "precompute",
        "--model",
        "cifar-resnet20",
        "--weights",
        str(weights),
        "--images",
        str(images),
        "--steps",
        "24",
        "--vis-batch",
        "16",
        "--kinds",
        "channel",  # one image per unit; resuming several kinds is tested in test_pipeline.py
        "--store",
        str(store),
        "--no-progress",
    ]


def test_kill_9_midway_then_rerun_finishes_with_every_unit_once(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    process = subprocess.Popen(_command(tmp_path, random_resnet20, tiny_images), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _feature_vis_rows(tmp_path) < 32 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "precompute ended before it could be killed midway"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = _feature_vis_rows(tmp_path)
    assert 0 < killed_at < 362

    done = subprocess.run(_command(tmp_path, random_resnet20, tiny_images), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{362 - killed_at} feature visualizations rendered" in done.stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["units"] == 362 and report.counts["feature_vis"] == 362
