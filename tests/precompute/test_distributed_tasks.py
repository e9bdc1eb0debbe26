"""The tasks of a distributed precompute, run here without Ray: what they return makes what one process makes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from precompute import distributed
from precompute.config import PrecomputeConfig
from precompute.connections import edge_records, expanded_weights
from precompute.distributed_tasks import ModelSpec, connections_task, peaks_task, render_task, worker_model
from precompute.examples import collect_examples
from precompute.images import scan_images
from precompute.layers import probe_layers
from precompute.stages.feature_vis import vis_plan

LAYERS = ["relu", "layer1.0", "linear"]


@pytest.fixture
def spec(random_resnet20: Path) -> ModelSpec:
    return ModelSpec.of("cifar-resnet20", random_resnet20, None, "cpu", 1)


def test_shards_ranked_in_order_equal_one_pass_ties_included(spec: ModelSpec, tiny_images: Path) -> None:
    model = worker_model(spec)
    layers = probe_layers(model, LAYERS)
    images = scan_images(tiny_images)[:9] * 4  # each image four times: equal peaks in every shard tie
    one = collect_examples(model, layers, images, top_k=6, bottom_k=5, batch_size=4)
    shards = [peaks_task(spec, layers, images[s : s + 8], s, 4) for s in range(0, len(images), 8)]
    ranked = distributed.rank(model, layers, images, shards, top_k=6, bottom_k=5)
    assert ranked.records == one.records
    for name in LAYERS:
        assert len(set(one.tops[name].values[0].tolist())) < 6, "the top-K holds no tie to break"
        for got, want in [(ranked.tops[name], one.tops[name]), (ranked.ranges[name].bottom, one.ranges[name].bottom)]:
            assert all(torch.equal(a, b) for a, b in zip(vars(got).values(), vars(want).values(), strict=True))
        assert torch.equal(ranked.ranges[name].peaks, one.ranges[name].peaks)


def test_a_retried_render_task_returns_the_same_images(spec: ModelSpec, tmp_path: Path) -> None:
    config = PrecomputeConfig(
        model="cifar-resnet20", store=tmp_path, steps=2, kinds=("channel", "diversity"), diversity=2
    )
    model = worker_model(spec)
    layers = probe_layers(model, ["layer1.0"])
    plan = vis_plan(config, model, layers)
    first, again = (render_task(spec, ("layer1.0",), False, layers[0], "diversity", [3, 4], plan) for _ in range(2))
    assert [(r.unit, str(r.key)) for r in first] == [(3, "diversity:0"), (3, "diversity:1"), (4, "diversity:0")] + [
        (4, "diversity:1")
    ]
    assert first == again


def test_a_layer_pair_task_returns_the_stored_edges_and_weights(spec: ModelSpec) -> None:
    model = worker_model(spec)
    source, layer = probe_layers(model, ["layer1.0", "layer1.1"])
    edges, weights = connections_task(spec, source, layer, 4)
    expanded = expanded_weights(model, source, layer)
    assert edges == list(edge_records(expanded, 4))
    assert (weights.tensor == expanded.record(source.name).tensor).all()


def test_without_ray_a_ray_run_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # an import of ray now fails
    with pytest.raises(ValueError, match=r'install it with: pip install "microscope\[ray\]"'):
        distributed.require_ray()
