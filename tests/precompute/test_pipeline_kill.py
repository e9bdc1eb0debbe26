"""A precompute killed with SIGKILL in the middle of its work resumes on the next run and ends consistent."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from store.integrity import check_store
from tests.precompute.runs import (
    SMALL_RUN,
    SMALL_RUN_UNITS,
    Precompute,
    assert_every_unit_once,
    contents,
    kill_at_points,
    kill_points,
    precompute_command,
    table_rows,
)

pytestmark = pytest.mark.slow
KILL_SEED = 15


def test_kill_9_midway_then_rerun_renders_only_the_missing_units(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    command = [*precompute_command(tmp_path, random_resnet20, tiny_images, *SMALL_RUN), "--no-progress"]
    run = Precompute.start(command)
    assert run.wait_for(lambda _: table_rows(tmp_path, "feature_vis") >= 16), "precompute ended before the kill"
    assert run.kill(), "precompute ended before it could be killed midway"
    killed_at = table_rows(tmp_path, "feature_vis")
    assert 0 < killed_at < SMALL_RUN_UNITS

    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{SMALL_RUN_UNITS - killed_at} feature visualizations rendered" in done.stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["units"] == SMALL_RUN_UNITS and report.counts["feature_vis"] == SMALL_RUN_UNITS


def test_kill_9_at_ten_points_over_every_stage_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, small_reference: Path
) -> None:
    command = precompute_command(tmp_path, random_resnet20, tiny_images, *SMALL_RUN)
    landed = kill_at_points(command, kill_points(tmp_path, random.Random(KILL_SEED)))

    code, stdout = Precompute.start([*command, "--no-progress"]).finish()
    assert code == 0, stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, (report.problems, landed)
    assert_every_unit_once(tmp_path)
    assert contents(tmp_path) == contents(small_reference), landed
