"""Precompute progress bars advance per optimization step or per unit, end at their totals, show whole items."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from tqdm import tqdm

from precompute.pipeline import PrecomputeConfig, run_precompute
from precompute.progress import BAR_FORMAT
from precompute.stages import stage

LAYERS = ("relu", "layer1.0")  # 16 units each; layer1.0's connections come from relu
STEPS = 3
BATCH = 8


class _RecordingBar:
    """Stands in for a stage's tqdm bar and keeps every update."""

    def __init__(self, desc: str, total: int, unit: str, *, enabled: bool = True) -> None:
        self.desc, self.total, self.unit, self.enabled = desc, total, unit, enabled
        self.updates: list[float] = []

    def update(self, n: float = 1) -> None:
        self.updates.append(n)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def __enter__(self) -> _RecordingBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def bars(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, _RecordingBar]:
    """The bars of a small channel-only precompute, by stage name."""
    made: dict[str, _RecordingBar] = {}

    def stage_bar(desc: str, total: int, unit: str, *, enabled: bool = True) -> _RecordingBar:
        made[desc] = _RecordingBar(desc, total, unit, enabled=enabled)
        return made[desc]

    monkeypatch.setattr(stage, "stage_bar", stage_bar)  # every stage draws its bars through Run.bar
    config = PrecomputeConfig(
        "cifar-resnet20", tmp_path, random_resnet20, images=tiny_images, layers=LAYERS, steps=STEPS, top_k=2
    )
    run_precompute(dataclasses.replace(config, kinds=("channel",), vis_batch=BATCH))
    return made


def test_feature_vis_bar_advances_every_step_by_a_share_of_the_batch(bars: dict[str, _RecordingBar]) -> None:
    bar = bars["feature vis"]
    batches = 2 * 16 // BATCH
    assert len(bar.updates) == batches * STEPS
    assert bar.updates == pytest.approx([BATCH / STEPS] * len(bar.updates))
    assert sum(bar.updates) == pytest.approx(bar.total) and bar.total == 32
    assert bar.postfix == f"layer1.0 channel units 8–15, step {STEPS}/{STEPS}"


def test_connections_and_crops_bars_count_units(bars: dict[str, _RecordingBar]) -> None:
    assert (bars["connections"].total, sum(bars["connections"].updates)) == (16, 16)  # relu has no previous layer
    assert (bars["example crops"].total, bars["example crops"].updates) == (32, [1] * 32)
    assert bars["dataset examples"].total == sum(bars["dataset examples"].updates) == 36


def test_no_progress_writes_nothing(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = PrecomputeConfig(
        "cifar-resnet20", tmp_path, random_resnet20, images=tiny_images, layers=("relu",), steps=1, progress=False
    )
    run_precompute(config)
    assert capsys.readouterr() == ("", "")


def test_a_bar_shows_whole_images_while_a_batch_is_half_done() -> None:
    line = tqdm.format_meter(12.5, 400, 10.0, unit="img", bar_format=BAR_FORMAT, prefix="feature vis")
    assert "12/400 img" in line and "12.5" not in line
