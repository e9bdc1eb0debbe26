"""A precompute killed with SIGKILL in the middle of its work resumes on the next run and ends consistent."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from store.integrity import check_store
from store.records import CARDS_STAGE
from tests.precompute.runs import (
    SMALL_RUN,
    SMALL_RUN_LAYERS,
    SMALL_RUN_UNITS,
    Precompute,
    bar_at,
    contents,
    count,
    precompute_command,
    rows_at,
    table_rows,
)

pytestmark = pytest.mark.slow
KILL_SEED = 15
# The stages' progress bars, in the order a run draws them (cards and finalizing draw none).
BARS = ["dataset examples", "activation maps", "example crops", "colour vs b&w", "tuning curves", "connections"]
BARS.append("feature vis")


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


@dataclass(frozen=True)
class KillPoint:
    """Where in a run to kill it: `reached` holds once the run got there."""

    name: str
    reached: Callable[[Precompute], bool]


def kill_points(store: Path, rng: random.Random) -> list[KillPoint]:
    """Ten points in stage order: one in each stage, one more in a long one, each at a seeded random fraction."""
    stages = [*BARS, rng.choice(["example crops", "tuning curves", "feature vis"])]
    bars = sorted(((stage, rng.uniform(0.0, 0.9)) for stage in stages), key=lambda p: (BARS.index(p[0]), p[1]))
    cards = f"SELECT count(*) FROM stages WHERE stage = '{CARDS_STAGE}'"  # the stage commits layer by layer
    in_cards = rng.randint(1, SMALL_RUN_LAYERS - 1)
    return [
        *(KillPoint(f"{stage} at {fraction:.0%}", bar_at(stage, fraction)) for stage, fraction in bars),
        KillPoint(f"cards after {in_cards} layers", rows_at(store, cards, in_cards)),
        KillPoint("finalize (every layer's cards stored)", rows_at(store, cards, SMALL_RUN_LAYERS)),
    ]


def _assert_every_unit_once(store: Path) -> None:
    """One channel image per unit, and each unit's top examples ranked 0…k−1 with no rank twice."""
    per_unit = "SELECT count(*) FROM units u WHERE (SELECT count(*) FROM feature_vis f WHERE f.unit_id = u.id) {}"
    assert count(store, per_unit.format("= 1")) == SMALL_RUN_UNITS
    ranks = "SELECT count(*) FROM (SELECT unit_id FROM dataset_examples GROUP BY unit_id HAVING {})"
    assert count(store, ranks.format("count(*) = max(rank) + 1 AND count(DISTINCT rank) = count(*)")) == SMALL_RUN_UNITS


def test_kill_9_at_ten_points_over_every_stage_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, small_reference: Path
) -> None:
    command = precompute_command(tmp_path, random_resnet20, tiny_images, *SMALL_RUN)
    landed = []
    for point in kill_points(tmp_path, random.Random(KILL_SEED)):
        run = Precompute.start(command)
        run.wait_for(point.reached)
        last = run.bars[-1].stage if run.bars else "start"
        if run.kill():
            landed.append(f"{point.name} (last bar: {last})")
        else:  # only the last point may race the end of the run
            code, _ = run.finish()
            assert code == 0, f"run before the kill at {point.name} failed: {run.stderr[-5:]}"
            assert point.name.startswith("finalize"), f"run ended before the kill at {point.name}; killed: {landed}"

    code, stdout = Precompute.start([*command, "--no-progress"]).finish()
    assert code == 0, stdout
    report = check_store(tmp_path, verify_hashes=True)
    assert report.ok, (report.problems, landed)
    _assert_every_unit_once(tmp_path)
    assert contents(tmp_path) == contents(small_reference), landed
