"""A stage declaration: the pipeline walks the registry in order, and a stage runs as Ray tasks only on a cluster."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from precompute.config import PrecomputeConfig
from precompute.stages import STAGES, PrecomputeSummary, Run, Stage


def _run(cluster: object | None) -> Run:
    config = PrecomputeConfig.preset("tiny", model="m", store=Path("store"))
    summary = PrecomputeSummary("m", [])
    return Run(config, SimpleNamespace(id="m"), [], None, cluster, [], summary)  # type: ignore[arg-type]


def _stage(ray: bool) -> tuple[Stage[str, str], list[str]]:
    """A stage recording where it ran; its summary records the result as the findings line."""
    done: list[str] = []

    def local(run: Run, work: str) -> str:
        done.append(f"local {work}")
        return "here"

    def on_ray(run: Run, cluster: Any, work: str) -> str:
        done.append(f"ray {work} on {cluster}")
        return "there"

    stage = Stage("fake", todo=lambda run: "work", local=local, summary="findings", ray=on_ray if ray else None)
    return stage, done


def test_a_stage_runs_in_this_process_without_a_cluster() -> None:
    stage, done = _stage(ray=True)
    run = _run(None)
    stage.perform(run)
    assert done == ["local work"] and run.summary.findings == "here"


def test_a_stage_with_ray_tasks_runs_them_on_the_cluster() -> None:
    stage, done = _stage(ray=True)
    run = _run("cluster")
    stage.perform(run)
    assert done == ["ray work on cluster"] and run.summary.findings == "there"


def test_a_stage_without_ray_tasks_runs_here_on_a_ray_run() -> None:
    stage, done = _stage(ray=False)
    stage.perform(_run("cluster"))
    assert done == ["local work"]


def test_the_registry_runs_each_stage_after_those_it_reads() -> None:
    names = [stage.name for stage in STAGES]
    assert names == [
        "dataset examples",
        "colour vs b&w",
        "tuning curves",
        "connections",
        "feature vis",
        "link-preview cards",
        "unit figures",
        "findings",
        "experiments",  # reads the families the tuning curves make, and the dataset's labels
    ]


def test_the_heavy_stages_declare_ray_tasks_and_the_others_none() -> None:
    on_ray = {stage.name for stage in STAGES if stage.ray is not None}
    assert on_ray == {"dataset examples", "connections", "feature vis"}


def test_a_tiny_run_skips_the_stages_it_does_not_ask_for() -> None:
    tiny = PrecomputeConfig.preset("tiny", model="m")
    assert [stage.name for stage in STAGES if not stage.enabled(tiny)] == [
        "dataset examples",  # no images
        "colour vs b&w",
        "link-preview cards",
        "experiments",  # no images, and not asked for
    ]


def test_each_stage_records_its_result_in_a_field_of_the_summary() -> None:
    fields = set(PrecomputeSummary.__dataclass_fields__)
    assert {stage.summary for stage in STAGES} <= fields and len({stage.summary for stage in STAGES}) == len(STAGES)
