"""Experiments on the shipped demo network (precompute.experiments): each edit does what its kind says while in place
and leaves the network as it was, and removing the units a family names costs the classes it answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from precompute import edits
from precompute import experiments as ex
from precompute.demo.train import HELDOUT_SEED
from precompute.edits import OrientationRule
from precompute.images import scan_images
from precompute.layers import probe_layers
from precompute.stimuli import write_dataset
from precompute.zoo import cifar_resnet, demo_net, load_model
from precompute.zoo.types import LoadedModel
from store.experiments import Experiment
from store.scores import FAMILY_CLASSES, ORIENTED_SELECTIVITY
from tests.conftest import require_shared

PER_CLASS = 12  # 180 images: enough to tell a family's classes from the others
# mixed3b's curve units on the shipped weights: its top curve scores, their top examples curves (the demo tour's)
CURVE_UNITS = (27, 65, 67, 74, 78, 81, 91, 95, 126, 131, 148, 157, 171, 183, 187, 190)


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    return demo_net.ENTRY.build(None)


@pytest.fixture(scope="module")
def lab(model: LoadedModel, tmp_path_factory: pytest.TempPathFactory) -> ex.Lab:
    root = write_dataset(tmp_path_factory.mktemp("heldout"), PER_CLASS, HELDOUT_SEED, progress=False)
    images = ex.load_images(model, scan_images(Path(root)))
    return ex.Lab(model, images, probe_layers(model))


def _state(model: LoadedModel) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.module.state_dict().items()}


def test_the_images_are_labelled_by_the_models_classes(lab: ex.Lab, model: LoadedModel) -> None:
    assert lab.images.labelled == len(lab.images.pixels) == PER_CLASS * len(model.class_labels)
    assert torch.bincount(lab.images.classes).tolist() == [PER_CLASS] * len(model.class_labels)


def test_removing_units_zeroes_them_while_in_place_and_leaves_the_network_as_it_was(
    lab: ex.Lab, model: LoadedModel
) -> None:
    before = _state(model)
    experiment = Experiment("ablate", "mixed3b", (5, 74))
    with edits.edited(model, experiment):
        inside = ex.forward_pass(model, lab.images, ["mixed3b"])
    assert inside.means["mixed3b"][[5, 74]].tolist() == [0.0, 0.0]
    assert inside.means["mixed3b"][6] == pytest.approx(float(lab.baseline.means["mixed3b"][6]))
    after = ex.forward_pass(model, lab.images, ["mixed3b"])
    assert torch.equal(after.means["mixed3b"], lab.baseline.means["mixed3b"])
    assert all(torch.equal(v, before[k]) for k, v in model.module.state_dict().items())


def test_a_mean_ablation_holds_each_unit_at_its_mean_over_the_images(lab: ex.Lab, model: LoadedModel) -> None:
    experiment = Experiment("mean-ablate", "mixed4a", (40, 51))
    means = lab.baseline.means["mixed4a"]
    with edits.edited(model, experiment, means):
        inside = ex.forward_pass(model, lab.images, ["mixed4a"])
    assert inside.means["mixed4a"][[40, 51]].tolist() == pytest.approx(means[[40, 51]].tolist(), rel=1e-5)


@pytest.mark.parametrize(("unit", "branch"), [(0, "b1x1"), (95, "b1x1"), (96, "b3x3"), (192, "b5x5"), (255, "pool")])
def test_a_block_units_conv_is_the_last_conv_of_its_branch(model: LoadedModel, unit: int, branch: str) -> None:
    block = model.module.mixed4a
    conv, channel = edits.unit_conv(block, unit)
    convs = [m for m in getattr(block, branch).modules() if isinstance(m, torch.nn.Conv2d)]
    assert conv is convs[-1]
    assert channel == unit - {"b1x1": 0, "b3x3": 96, "b5x5": 192, "pool": 224}[branch]


def test_cutting_the_negative_weights_leaves_none_while_in_place_and_restores_them(model: LoadedModel) -> None:
    before = _state(model)
    conv, channel = edits.unit_conv(model.module.mixed4a, 40)
    assert (conv.weight[channel] < 0).any()
    with edits.edited(model, Experiment("cut-negative", "mixed4a", (40, 51))):
        assert not (conv.weight[channel] < 0).any() and (conv.weight[channel] > 0).any()
    assert all(torch.equal(v, before[k]) for k, v in model.module.state_dict().items())


def test_removing_mixed3bs_curve_units_costs_the_curve_classes_far_more_than_the_others(lab: ex.Lab) -> None:
    result = lab.run(Experiment("ablate", "mixed3b", CURVE_UNITS))
    curves = set(FAMILY_CLASSES["curves"])
    drop = {row["name"]: row["before"] - row["after"] for row in result["classes"]}
    curve_drop = sum(v for k, v in drop.items() if k in curves) / len(curves)
    other_drop = sum(v for k, v in drop.items() if k not in curves) / (len(drop) - len(curves))
    assert curve_drop > 0.15 and curve_drop > 5 * max(other_drop, 0.01)
    assert result["accuracy"]["after"] < result["accuracy"]["before"]
    assert [row["after"] for row in result["edited"]] == [0.0] * len(CURVE_UNITS)
    assert result["next_layer"] == "mixed4a" and result["changed"]
    assert result["tuning"]["layer"] == "mixed4a" and len(result["tuning"]["units"]) == ex.TUNED


def test_cutting_the_negative_weights_into_mixed4as_curve_units_widens_their_orientation_tuning(lab: ex.Lab) -> None:
    family = (17, 29, 37, 38, 49, 93, 95, 216, 225, 236, 237, 240, 250, 251, 253, 255)
    result = lab.run(Experiment("cut-negative", "mixed4a", family))
    tuned = result["tuning"]["units"]
    assert [row["unit"] for row in tuned] == list(family)
    before = [row["orientation_selectivity_before"] for row in tuned]
    after = [row["orientation_selectivity_after"] for row in tuned]
    assert sum(after) / len(after) < 0.6 * sum(before) / len(before)


def test_an_experiment_on_a_missing_layer_or_unit_says_what_exists(lab: ex.Lab) -> None:
    with pytest.raises(ValueError, match="layers: conv2d0"):
        lab.run(Experiment("ablate", "mixed9z", (1,)))
    with pytest.raises(ValueError, match="units 0–191"):
        lab.run(Experiment("ablate", "mixed3b", (192,)))


def test_a_residual_blocks_units_are_computed_by_its_second_conv_not_its_shortcut() -> None:
    resnet = cifar_resnet.bare(20).module
    for block in (resnet.layer1[0], resnet.layer2[0]):  # layer2.0 downsamples: its shortcut changes the width
        conv, channel = edits.unit_conv(block, 5)
        assert conv is block.conv2 and channel == 5


def test_removing_units_of_the_real_resnet20_costs_accuracy_on_real_cifar_images() -> None:
    weights = require_shared("weights", "cifar10-resnet20.th")
    images = scan_images(require_shared("data", "cifar10", "test"), max_images=200)
    model = load_model("cifar-resnet20", weights)
    lab = ex.Lab(model, ex.load_images(model, images), probe_layers(model))
    assert lab.images.labelled == 200  # the folders are named by the model's classes
    removal = lab.run(Experiment("ablate", "layer3.2", tuple(range(0, 64, 2))))  # half the last block's units
    cut = lab.run(Experiment("cut-negative", "layer1.0", (3,)))
    assert removal["accuracy"]["after"] < removal["accuracy"]["before"] - 0.05
    assert cut["tuning"]["layer"] == "layer1.0" and [u["unit"] for u in cut["tuning"]["units"]] == [3]


def _mixed4a_rule(lab: ex.Lab) -> tuple[Experiment, OrientationRule]:
    """mixed4a's curve units that prefer an orientation and read mixed3b directly, rebuilt from mixed3b's curve units,
    each with the preferred orientation the tuning stimuli measure (as the experiments stage chooses them)."""
    layers = {layer.name: layer for layer in lab.layers}
    measured = {name: lab.tuning(layers[name]) for name in ("mixed3b", "mixed4a")}
    sources = {u: float(measured["mixed3b"]["orientation"][u]) for u in CURVE_UNITS}
    family = (17, 29, 37, 38, 49, 93, 95, 225, 236, 237, 240, 250, 251, 253, 255)  # 216 reads its bottleneck
    selective = [u for u in family if measured["mixed4a"]["orientation_selectivity"][u] >= ORIENTED_SELECTIVITY]
    targets = {u: float(measured["mixed4a"]["orientation"][u]) for u in selective}
    return Experiment("rebuild", "mixed4a", tuple(targets)), OrientationRule(sources, targets)


def test_a_unit_behind_a_bottleneck_cannot_be_rebuilt_from_the_previous_layer(model: LoadedModel) -> None:
    block = model.module.mixed4a
    assert edits.reading_conv(block, 40, 192)[0] is block.b1x1.conv
    assert edits.reading_conv(block, 255, 192)[0] is block.pool.reduce.conv
    with pytest.raises(ValueError, match="not from the previous layer's 192 units"):
        edits.reading_conv(block, 216, 192)  # the 5x5 branch reads its bottleneck


def test_a_rebuilt_unit_reads_only_the_rules_units_with_cosine_weights_and_is_put_back(
    lab: ex.Lab, model: LoadedModel
) -> None:
    experiment, rule = _mixed4a_rule(lab)
    fitted = edits.fit_rule(model, experiment, rule, lab.images.pixels, 192)
    before = _state(model)
    conv, channel = edits.unit_conv(model.module.mixed4a, 250)
    assert 250 in rule.targets
    with edits.edited(model, experiment, rebuilt=fitted):
        row = conv.weight[channel].sum(dim=(1, 2))
        assert set(row.nonzero().flatten().tolist()) <= set(rule.sources)
        theta = rule.targets[250]
        expected = torch.tensor([np.cos(np.deg2rad(theta - phi)) for phi in rule.sources.values()], dtype=torch.float32)
        assert torch.allclose(row[list(rule.sources)], fitted[250].scale * expected, atol=1e-6)
    assert all(torch.equal(v, before[k]) for k, v in model.module.state_dict().items())


def test_mixed4as_curve_units_rebuilt_by_hand_win_back_most_of_what_removing_them_costs(lab: ex.Lab) -> None:
    experiment, rule = _mixed4a_rule(lab)
    result = lab.run(experiment, rule=rule)
    curves = set(FAMILY_CLASSES["curves"])

    def curve_accuracy(rows: list[dict], key: str) -> float:
        return float(np.mean([row[key] for row in rows if row["name"] in curves]))

    real = curve_accuracy(result["classes"], "before")
    rebuilt = curve_accuracy(result["classes"], "after")
    removed = curve_accuracy(result["rebuild"]["removed"]["classes"], "after")
    assert removed < real - 0.1
    assert rebuilt - removed >= 0.5 * (real - removed)
    compared = result["rebuild"]["units"]
    assert [u["unit"] for u in compared] == list(experiment.units)
    tuning = [u["tuning_r"] for u in compared]
    assert np.median(tuning) >= 0.8 and np.mean(tuning) >= 0.6  # most follow their real unit's curve closely
    assert np.median([u["images_r"] for u in compared]) >= 0.5
    for unit in compared:  # the rule's weights, scaled, beside the real summed weights; top images compared
        assert len(unit["weights_real"]) == len(unit["weights_rebuilt"]) == len(rule.sources)
        theta, a = rule.targets[unit["unit"]], unit["scale"]
        expected = [a * np.cos(np.deg2rad(theta - phi)) for phi in rule.sources.values()]
        assert unit["weights_rebuilt"] == pytest.approx(expected, abs=1e-4)
        assert 0 <= unit["top_shared"] <= unit["top_count"] == ex.TOP
        assert sum(unit["top_classes_real"].values()) == sum(unit["top_classes_rebuilt"].values()) == ex.TOP


def test_a_rebuild_from_a_tensor_uses_its_rows_as_each_units_weights(lab: ex.Lab, model: LoadedModel) -> None:
    experiment, rule = _mixed4a_rule(lab)
    rows = {u: rule.row(u, 192) for u in experiment.units}
    by_rule, by_tensor = lab.run(experiment, rule=rule), lab.run(experiment, rule=edits.TensorRows(rows))
    assert by_tensor["classes"] == by_rule["classes"]  # the same weights, given whole, fit the same
    kernel = torch.zeros(len(rows), 192, 3, 3)
    with pytest.raises(ValueError, match=r"its kernel is \(192, 1, 1\)"):
        lab.run(Experiment("rebuild", "mixed4a", (38,)), rule=edits.TensorRows({38: kernel[0]}))
