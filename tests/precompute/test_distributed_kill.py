"""`microscope precompute --ray ADDRESS` SIGKILLed at ten seeded points over its stages resumes each time, leaves no
task running after its driver died, and ends with a store equal to an uninterrupted single-process run's."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from store.integrity import check_store
from tests.precompute.runs import (
    SMALL_RUN,
    Precompute,
    assert_every_unit_once,
    contents,
    kill_at_points,
    kill_points,
    precompute_command,
    ray_tasks,
)

pytestmark = pytest.mark.slow
pytest.importorskip("ray", reason='Ray is not installed (pip install "microscope[ray]")')
pytest.importorskip("psutil", reason="psutil (which lists the Ray workers' tasks) is not installed")
KILL_SEED = 17  # its extra point falls in feature vis, the stage whose tasks resume batch by batch
ORPHAN_WAIT_S = 60.0  # how long the cluster may take to notice a dead driver and end its tasks


def _no_tasks_outlive_their_driver() -> None:
    """Wait until no Ray worker runs a task: the killed driver's tasks are ended by the cluster, not left running
    (they write nothing either way; only a driver writes the store)."""
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while running := ray_tasks():
        assert time.monotonic() < deadline, f"tasks outlived their driver by {ORPHAN_WAIT_S:.0f} s: {running}"
        time.sleep(0.1)


def test_ray_run_killed_at_ten_points_resumes_to_the_single_process_store(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, small_reference: Path, cluster_address: str
) -> None:
    command = [*precompute_command(tmp_path, random_resnet20, tiny_images, *SMALL_RUN), "--ray", cluster_address]
    points = kill_points(tmp_path, random.Random(KILL_SEED))
    landed = kill_at_points(command, points, after_kill=_no_tasks_outlive_their_driver)

    code, stdout = Precompute.start([*command, "--no-progress"]).finish()
    assert code == 0, stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, (report.problems, landed)
    assert_every_unit_once(tmp_path)
    assert contents(tmp_path) == contents(small_reference), landed
