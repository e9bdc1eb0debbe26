"""Helpers for fault tests: run `microscope precompute` in a subprocess, follow its stage bars, kill it at a point,
and read a store's rows in a form two stores can be compared by."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, select
from sqlalchemy.orm import Session

from store import schema as t
from store.db import database_path, open_read_only
from store.records import CARDS_STAGE

# tqdm redraws a bar with "\r"; one redraw reads "<stage>:  45%|████      | 45/100 img [...]" (precompute.progress).
_BAR = re.compile(r"^(?P<stage>[^:\r\n]+):\s+\d+%\|[^|]*\|\s*(?P<done>\d+)/(?P<total>\d+)")
WAIT_S = 300  # longest a helper waits for a precompute to reach a point
# A small run through every stage: four layers (74 units), few examples, a short render.
SMALL_RUN = (
    "--layers",
    "relu,layer1.0,layer2.0,linear",
    "--kinds",
    "channel",
    "--steps",
    "8",
    "--vis-batch",
    "8",
    "--top-k",
    "4",
    "--bottom-k",
    "2",
    "--quantiles",
    "0.5",
    "--colour-sample",
    "8",
)
SMALL_RUN_LAYERS = 4
SMALL_RUN_UNITS = 74
# The stages' progress bars a kill point may follow, in the order a run draws them (the cards' are followed by their
# stored layers instead, and finalizing draws none); a --ray run draws them too.
BARS = ["dataset examples", "activation maps", "example crops", "colour vs b&w", "tuning curves", "connections"]
BARS.append("feature vis")


def precompute_command(store: Path, weights: Path, images: Path, *options: str) -> list[str]:
    """The `microscope precompute` command line of the random-weights CIFAR ResNet-20 into `store`."""
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
        "--store",
        str(store),
        "--threads",
        "1",  # the same float sums on every run, and room for other tests
        *options,
    ]


@dataclass
class Bar:
    """The last redraw of one stage's progress bar."""

    stage: str
    done: int
    total: int


@dataclass
class Precompute:
    """A running precompute whose stderr is read on a thread, so its stage bars can be waited for."""

    process: subprocess.Popen[bytes]
    bars: list[Bar] = field(default_factory=list)  # every redraw, in order
    stderr: list[str] = field(default_factory=list)  # its lines that are not bars
    _reader: threading.Thread | None = None

    @classmethod
    def start(cls, command: Sequence[str]) -> Precompute:
        """Start `command` (its progress bars on) and follow what it writes to stderr."""
        process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run = cls(process)
        run._reader = threading.Thread(target=run._read, daemon=True)
        run._reader.start()
        return run

    def _read(self) -> None:
        assert self.process.stderr is not None
        pending = b""
        while chunk := self.process.stderr.read1(65536):  # type: ignore[attr-defined]
            *lines, pending = re.split(rb"[\r\n]", pending + chunk)
            for raw in lines:
                self._take(raw.decode(errors="replace"))
        self._take(pending.decode(errors="replace"))

    def _take(self, line: str) -> None:
        match = _BAR.match(line.strip())
        if match:
            self.bars.append(Bar(match["stage"].strip(), int(match["done"]), int(match["total"])))
        elif line.strip():
            self.stderr.append(line)

    def wait_for(self, reached: Callable[[Precompute], bool], timeout: float = WAIT_S) -> bool:
        """Wait until `reached(self)` holds (True) or the process ends first (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if reached(self):
                return True
            if self.process.poll() is not None:
                return reached(self)
            time.sleep(0.02)
        raise TimeoutError(f"precompute did not reach the point in {timeout:.0f} s; stderr: {self.stderr[-5:]}")

    def kill(self) -> bool:
        """SIGKILL the process; False when it had already ended."""
        if self.process.poll() is not None:
            return False
        os.kill(self.process.pid, signal.SIGKILL)
        self.finish()
        return True

    def finish(self, timeout: float = WAIT_S) -> tuple[int, str]:
        """Wait for the process to end: its exit status and stdout."""
        stdout = self.process.stdout.read().decode() if self.process.stdout else ""  # type: ignore[union-attr]
        code = self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        return code, stdout


def bar_at(stage: str, fraction: float) -> Callable[[Precompute], bool]:
    """A point: `stage`'s bar has been drawn and has done at least `fraction` of its items."""

    def reached(run: Precompute) -> bool:
        return any(bar.stage == stage and bar.done >= fraction * bar.total for bar in run.bars)

    return reached


def rows_at(store: Path, query: str, least: int) -> Callable[[Precompute], bool]:
    """A point: `query` (one count) on the store's database answers at least `least`."""
    return lambda _run: count(store, query) >= least


def count(store: Path, query: str) -> int:
    """The number `query` answers on the store's database, read while a precompute writes it (0 before it exists)."""
    if not database_path(store).is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{database_path(store)}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute(query).fetchone()[0]
    except sqlite3.Error:
        return 0  # not created or migrated yet


def table_rows(store: Path, table: str) -> int:
    """Rows of `table` in the store's database (0 before the table exists)."""
    return count(store, f"SELECT count(*) FROM {table}")


def contents(store: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, with row ids replaced by what they name (layer, unit, image) and times left out:
    two runs that stored the same things give equal contents, on either backend. `store` is a store folder (SQLite)
    or a database URL."""
    engine = open_read_only(store if isinstance(store, str) else f"sqlite:///{database_path(store)}")
    try:
        with Session(engine) as session:
            names = _natural_keys(session)
            return {table.name: _rows(session, table, names) for table in t.Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def _natural_keys(session: Session) -> dict[str, dict[Any, Any]]:
    layers = dict(session.execute(select(t.Layer.id, t.Layer.name)).all())
    query = select(t.Unit.id, t.Unit.layer_id, t.Unit.unit)
    units = {uid: (layers[lid], unit) for uid, lid, unit in session.execute(query)}
    images = dict(session.execute(select(t.DatasetImage.id, t.DatasetImage.source)).all())
    sources = dict(session.execute(select(t.LabelSource.id, t.LabelSource.key)).all())
    return {"layers": layers, "units": units, "dataset_images": images, "label_sources": sources}


def _rows(session: Session, table: Any, names: dict[str, dict[Any, Any]]) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if not isinstance(c.type, DateTime) and not (c.primary_key and c.name == "id")]
    rows = []
    for row in session.execute(select(*columns)):
        values = []
        for column, value in zip(columns, row, strict=True):
            target = next(iter(column.foreign_keys)).column.table.name if column.foreign_keys else None
            values.append(names[target].get(value, value) if target in names else value)
        rows.append(tuple(values))
    return sorted(rows, key=repr)


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


def kill_at_points(
    command: Sequence[str], points: Sequence[KillPoint], after_kill: Callable[[], None] | None = None
) -> list[str]:
    """Run `command` once per point, each time SIGKILLed when it reaches the point (each run resumes the last);
    `after_kill` runs after each kill. The points that landed, each with the last bar drawn before it; only the last
    point may race the end of the run (which must then succeed)."""
    landed: list[str] = []
    for point in points:
        run = Precompute.start(command)
        run.wait_for(point.reached)
        last = run.bars[-1].stage if run.bars else "start"
        if run.kill():
            landed.append(f"{point.name} (last bar: {last})")
            if after_kill is not None:
                after_kill()
        else:
            code, _ = run.finish()
            assert code == 0, f"run before the kill at {point.name} failed: {run.stderr[-5:]}"
            assert point is points[-1], f"run ended before the kill at {point.name}; killed: {landed}"
    return landed


def assert_every_unit_once(store: Path) -> None:
    """One channel image per unit, and each unit's top examples ranked 0…k−1 with no rank twice."""
    per_unit = "SELECT count(*) FROM units u WHERE (SELECT count(*) FROM feature_vis f WHERE f.unit_id = u.id) {}"
    assert count(store, per_unit.format("= 1")) == SMALL_RUN_UNITS
    ranks = "SELECT count(*) FROM (SELECT unit_id FROM dataset_examples GROUP BY unit_id HAVING {})"
    assert count(store, ranks.format("count(*) = max(rank) + 1 AND count(DISTINCT rank) = count(*)")) == SMALL_RUN_UNITS


def ray_tasks() -> list[str]:
    """The precompute tasks the Ray workers of the cluster this process started are running (Ray titles a worker
    `ray::<task function>` while it runs one); needs psutil, which Ray installs."""
    import psutil

    from precompute.distributed_tasks import connections_task, peaks_task, render_task

    tasks = {f"ray::{function.__name__}" for function in (render_task, peaks_task, connections_task)}
    running = []
    for process in psutil.Process().children(recursive=True):
        try:
            title = process.cmdline()[:1]
        except psutil.Error:
            continue  # ended meanwhile
        running += [title[0]] if title and title[0] in tasks else []
    return running
