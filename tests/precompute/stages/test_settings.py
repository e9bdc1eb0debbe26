"""The settings stages store decide resume: they stay exactly what earlier versions stored, or a store recomputes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from precompute.config import PrecomputeConfig
from precompute.stages import PrecomputeSummary, Run
from precompute.stages.connections import connections_settings
from precompute.stages.examples import examples_settings, range_settings

INPUT = {"size": 32, "mean": [0.5], "std": [0.25], "scale": 1.0}


def _run(tmp_path: Path, **settings: object) -> Run:
    config = PrecomputeConfig("m", tmp_path, images=tmp_path, **settings)  # type: ignore[arg-type]
    model = SimpleNamespace(id="m", weights_hash="abc", input=SimpleNamespace(as_dict=lambda: INPUT))
    images = [None] * 5  # only their count is stored
    return Run(config, model, [], None, None, images, PrecomputeSummary("m", []))  # type: ignore[arg-type]


def test_examples_and_range_settings_are_unchanged(tmp_path: Path) -> None:
    run = _run(tmp_path, top_k=3, quantiles=(0.5, 0.9, 0.5))
    examples = {
        "images": str(tmp_path.resolve()),
        "count": 5,
        "max_images": None,
        "top_k": 3,
        "input": INPUT,
        "weights_sha256": "abc",
    }
    assert examples_settings(run) == examples
    assert range_settings(run.config, examples) == {
        **examples,
        "bottom_k": 3,
        "quantiles": [0.9, 0.5],
        "histogram_bins": 32,
        "peak": "max over positions",
        "amap_max_side": 16,
    }


def test_connections_settings_are_unchanged(tmp_path: Path) -> None:
    assert connections_settings(_run(tmp_path, top_edges=5)) == {
        "top_edges": 5,
        "method": "linearized-gradient",
        "weights_sha256": "abc",
        "tensor": "npy-oihw-fp16/1",
        "svd": {"of": "sum over space of |W|", "components": 8},
    }
