"""Tuning curves: stimuli geometry, an oriented filter's preferred orientation, score definitions, the stage resumes."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from precompute.config import PrecomputeConfig
from precompute.layers import LayerInfo
from precompute.pipeline import PrecomputeSummary, run_precompute
from precompute.tuning import (
    CURVE_NAMES,
    conv_layers,
    curve_arrays,
    frequency_selectivity,
    measure,
    orientation_scores,
    tuning_stage,
    unit_scores,
    window_side,
)
from precompute.tuning_stimuli import ANGLES, CURVATURES, Probe, draw, patch_side, probes
from precompute.zoo.types import InputSpec, LoadedModel
from store.location import StoreLocation
from store.reader import StoreReader
from store.records import TUNING_STAGE, ModelRecord
from store.scores import FAMILY_SCORES, ORIENTATION, ORIENTATION_SELECTIVITY
from store.writer import StoreWriter

SIZE = 32  # input side of the hand-built nets
PREFERRED = 60.0  # the edge filter's bright side faces this angle


def _edge_net(angle: float = PREFERRED) -> LoadedModel:
    """One 9×9 conv unit: an odd-symmetric edge filter whose positive lobe faces `angle` (counter-clockwise, y up)."""
    coords = torch.arange(9, dtype=torch.float32) - 4
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    a = np.deg2rad(angle)
    along = x * float(np.cos(a)) - y * float(np.sin(a))  # y points down in an image
    kernel = along * torch.exp(-(x**2 + y**2) / 18)
    conv = nn.Conv2d(3, 1, 9)
    with torch.no_grad():
        conv.weight.copy_(kernel.expand(1, 3, 9, 9) / 3)
        conv.bias.zero_()
    module = nn.Sequential(OrderedDict(conv=conv, relu=nn.ReLU())).eval()
    return LoadedModel("edge-net", "Edge net", "9×9 conv", module, InputSpec(SIZE), [], ["relu"], "0" * 64, SIZE)


def _layer() -> LayerInfo:
    return LayerInfo("relu", 0, "conv", 1, SIZE - 8, SIZE - 8, rf_size=9, rf_stride=1.0, previous=None)


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_an_edge_at_a_right_angle_is_the_edge_at_zero_rotated(turns: int) -> None:
    zero = draw(Probe("edge", angle=0.0), 16, SIZE)
    turned = draw(Probe("edge", angle=90.0 * turns), 16, SIZE)
    np.testing.assert_allclose(turned, np.rot90(zero, turns), atol=1e-5)  # rot90 turns counter-clockwise


def test_an_edge_is_bright_on_the_side_its_angle_faces() -> None:
    up = draw(Probe("edge", angle=90.0), 16, SIZE)[..., 0]
    assert up[: SIZE // 2].mean() > 0.7 and up[SIZE // 2 :].mean() < 0.3


def test_a_curve_at_a_right_angle_is_nearly_the_curve_at_zero_rotated() -> None:
    zero = draw(Probe("curve", angle=0.0, curvature=CURVATURES[-1]), SIZE, SIZE)
    turned = draw(Probe("curve", angle=90.0, curvature=CURVATURES[-1]), SIZE, SIZE)
    assert np.abs(turned - np.rot90(zero)).mean() < 0.01  # drawn, not rotated: anti-aliasing differs a little


def test_small_receptive_fields_draw_on_a_centred_patch_of_their_size() -> None:
    disk = draw(Probe("grey"), 16, SIZE)
    assert patch_side(3, SIZE) == 8 and patch_side(100, SIZE) == SIZE
    assert np.allclose(disk[:8], 0.5) and np.allclose(disk[:, :8], 0.5) and disk[SIZE // 2, SIZE // 2, 0] < 0.4


def test_a_hand_built_edge_filter_peaks_within_15_degrees_of_its_angle() -> None:
    model = _edge_net()
    arrays = curve_arrays(measure(model, [_layer()], patch_side(9, SIZE))["relu"].numpy().astype(np.float64))
    scores = unit_scores(arrays)
    assert _angle_gap(ANGLES[int(np.argmax(arrays["edge"][0]))], PREFERRED) <= 15
    assert _angle_gap(scores[ORIENTATION.name][0], PREFERRED) <= 15
    assert scores[ORIENTATION_SELECTIVITY.name][0] > 0.2


def test_a_flat_curve_has_selectivity_zero_and_a_single_angle_one() -> None:
    flat, single = np.ones((1, 24)), np.eye(24)[[6]]
    assert orientation_scores(flat, ANGLES)[1][0] == pytest.approx(0.0, abs=1e-9)
    preferred, selectivity = orientation_scores(single, ANGLES)
    assert selectivity[0] == pytest.approx(1.0) and preferred[0] == pytest.approx(90.0)


def test_a_unit_silent_to_every_stimulus_gets_no_scores() -> None:
    responses = np.zeros((len(probes()), 1))
    assert all(np.isnan(values[0]) for values in unit_scores(curve_arrays(responses)).values())


def test_frequency_selectivity_is_0_when_flat_and_1_for_one_frequency_as_strong_as_the_best_stimulus() -> None:
    best = np.array([[2.0, 2.0, 2.0, 2.0], [0.0, 3.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0]])
    assert frequency_selectivity(best, np.array([2.0, 3.0, 6.0])).tolist() == [0.0, 1.0, 0.5]


def test_the_colour_score_is_what_colour_adds_over_grey_as_a_share_of_the_strongest_response() -> None:
    kinds = [probe.kind for probe in probes()]
    levels = {"hue": 3.0, "grey": 1.0, "curve": 4.0}
    responses = np.array([[levels.get(kind, 0.0)] for kind in kinds])
    assert unit_scores(curve_arrays(responses))["colour"][0] == pytest.approx(0.5)


def test_the_curve_score_is_curves_over_curves_and_lines() -> None:
    kinds = [probe.kind for probe in probes()]
    responses = np.array([[3.0 if kind == "curve" else 1.0 if kind == "line" else 0.0] for kind in kinds])
    assert unit_scores(curve_arrays(responses))["curve"][0] == pytest.approx(0.75)


def test_the_response_window_covers_the_positions_inside_the_patch_centred() -> None:
    layer = LayerInfo("l", 0, "conv", 1, 8, 8, rf_size=64, rf_stride=8.0, previous=None)
    assert window_side(layer, 64) == 8 and window_side(layer, 16) == 2 and window_side(layer, 8) == 2
    assert window_side(_layer(), 9) == 10  # 9 positions, one more to stay centred on an even map


def test_tuning_layers_must_be_conv_layers_of_the_run() -> None:
    fc = LayerInfo("fc", 1, "linear", 3, None, None, rf_size=SIZE, rf_stride=SIZE, previous="relu")
    assert [layer.name for layer in conv_layers([_layer(), fc], None)] == ["relu"]
    with pytest.raises(ValueError, match="valid: relu"):
        conv_layers([_layer(), fc], ["fc"])


def _writer(tmp_path: Path, model: LoadedModel) -> StoreWriter:
    writer = StoreWriter(StoreLocation.resolve(tmp_path, None, None))
    writer.put_model(ModelRecord(model.id, model.title, model.architecture, model.weights_hash, {}, [], ""))
    writer.put_layers(model.id, [_layer()])
    return writer


def test_the_stage_stores_every_curve_and_the_scores_then_skips_on_a_rerun(tmp_path: Path) -> None:
    model = _edge_net()
    with _writer(tmp_path, model) as writer:
        assert tuning_stage(model, [_layer()], writer, show_progress=False) == ["relu"]
        assert writer.reader.stage_settings(model.id, "relu", TUNING_STAGE)["curves"] == list(CURVE_NAMES)
        assert tuning_stage(model, [_layer()], writer, show_progress=False) == []
    unit = StoreReader(StoreLocation.resolve(tmp_path, None, None)).unit(model.id, "relu", 0)
    assert unit is not None and sorted(c.name for c in unit.curves) == sorted(CURVE_NAMES)
    curvature = next(c for c in unit.curves if c.name == "curvature")
    assert list(curvature.axes) == ["radius", "orientation"] and len(curvature.values) == len(CURVATURES)
    assert _angle_gap(unit.summary.scores[ORIENTATION.name], PREFERRED) <= 15


def test_the_stage_stores_family_evidence_and_gates_again_when_the_examples_change(tmp_path: Path) -> None:
    model = _edge_net()
    with _writer(tmp_path, model) as writer:
        assert tuning_stage(model, [_layer()], writer, show_progress=False) == ["relu"]
        writer.put_examples(model.id, "relu", [], {"top_k": 1})  # new (here: no) dataset examples
        assert tuning_stage(model, [_layer()], writer, show_progress=False) == ["relu"]
        assert tuning_stage(model, [_layer()], writer, show_progress=False) == []
    unit = StoreReader(StoreLocation.resolve(tmp_path, None, None)).unit(model.id, "relu", 0)
    assert unit is not None and [e.family for e in unit.evidence] == list(FAMILY_SCORES)
    curvature = next(c for c in unit.curves if c.name == "curvature")
    curves = unit.evidence[0]
    assert curves.stimulus == pytest.approx(max(max(row) for row in curvature.values), rel=1e-4)
    assert curves.dataset_peak is None and curves.passes is None  # no examples: membership cannot be checked


def _run(store: Path, weights: Path, **overrides: object) -> PrecomputeSummary:
    config = PrecomputeConfig.preset(
        "tiny", model="cifar-resnet20", store=store, weights=weights, layers=("relu", "layer1.0"), tuning=True
    )
    return run_precompute(dataclasses.replace(config, **overrides))  # type: ignore[arg-type]


def test_precompute_measures_the_chosen_layers_tuning_and_a_rerun_skips_it(
    tmp_path: Path, random_resnet20: Path
) -> None:
    assert _run(tmp_path, random_resnet20, tuning_layers=("layer1.0",)).tuning_layers == ["layer1.0"]
    assert _run(tmp_path, random_resnet20, tuning_layers=("layer1.0",)).tuning_layers == []
    unit = StoreReader(tmp_path).unit("cifar-resnet20", "layer1.0", 0)
    assert unit is not None and {c.name for c in unit.curves} == set(CURVE_NAMES)


def test_precompute_without_tuning_stores_no_curves_and_a_bad_layer_fails_first(
    tmp_path: Path, random_resnet20: Path
) -> None:
    assert _run(tmp_path, random_resnet20, tuning=False).tuning_layers == []
    assert StoreReader(tmp_path).unit("cifar-resnet20", "relu", 0).curves == []  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="not conv layers of this run"):
        _run(tmp_path / "bad", random_resnet20, tuning_layers=("layer3.0",))
