"""The feature-vis plan: which kinds each layer and unit gets, their store keys, settings and objectives."""

from __future__ import annotations

import pytest
import torch

from precompute.feature_vis import VisPlan, objective_for, parse_extras
from precompute.optvis import RenderSettings
from store.kinds import DIVERSITY_WEIGHT
from store.records import LayerRecord

CONV = LayerRecord("mixed4b", 0, "conv", 8, 4, 4, 11, 2.0, None)
LOGITS = LayerRecord("fc", 1, "linear", 3, None, None, 32, 32.0, "mixed4b")
ALL = ("channel", "neuron", "negative", "diversity")


def _plan(**overrides: object) -> VisPlan:
    base: dict[str, object] = {
        "kinds": ALL,
        "render": RenderSettings(steps=2, size=8),
        "diversity": 3,
        "batch": 6,
        "base_settings": {"steps": 2},
    }
    return VisPlan(**{**base, **overrides})  # type: ignore[arg-type]


def _keys(plan: VisPlan, layer: LayerRecord) -> list[str]:
    return [str(key) for key in plan.keys_for(layer)]


def test_every_unit_gets_every_kind_and_logits_no_neuron() -> None:
    plan = _plan()
    assert plan.kinds_for(CONV) == list(ALL)
    assert plan.kinds_for(LOGITS) == ["channel", "negative", "diversity"]
    assert _keys(plan, CONV) == ["channel", "neuron", "negative", "diversity:0", "diversity:1", "diversity:2"]
    assert plan.stage_settings(CONV) == {"steps": 2, "tensor": "pre_relu", "objectives": _keys(plan, CONV)}


def test_diversity_images_record_the_set_size_and_weight() -> None:
    plan = _plan()
    assert plan.settings("diversity", "mixed4b") == {
        "steps": 2,
        "tensor": "pre_relu",
        "diversity": 3,
        "diversity_weight": DIVERSITY_WEIGHT,
    }
    assert plan.settings("negative", "mixed4b") == {"steps": 2, "tensor": "pre_relu"}
    assert plan.items_per_unit("diversity") == 3 and plan.items_per_unit("neuron") == 1


def test_only_the_kinds_that_can_be_transparent_are_rendered_and_recorded_so() -> None:
    plan = _plan(transparency=0.5)
    assert plan.transparency_of("neuron") == 0.5
    assert [plan.transparency_of(kind) for kind in ("channel", "negative", "diversity")] == [0.0, 0.0, 0.0]
    assert plan.settings("neuron", "mixed4b") == {"steps": 2, "tensor": "pre_relu", "transparency": 0.5}
    assert plan.settings("channel", "mixed4b") == {"steps": 2, "tensor": "pre_relu"}  # channel images stay valid
    assert _plan().settings("neuron", "mixed4b") == {"steps": 2, "tensor": "pre_relu"}  # opaque: as stores hold it


def test_each_image_records_the_tensor_its_layer_optimized() -> None:
    plan = _plan(reads={"mixed4b": "pre_relu", "fc": "output"})
    assert plan.settings("channel", "mixed4b")["tensor"] == "pre_relu"
    assert plan.settings("channel", "fc")["tensor"] == "output"
    assert plan.stage_settings(LOGITS)["tensor"] == "output"


def test_extras_limit_the_other_kinds_to_chosen_layers_and_units() -> None:
    plan = _plan(extras=parse_extras(["mixed4b:2-3", "mixed4b:6"], [CONV, LOGITS], ALL))
    assert plan.units_for(CONV, "channel") == list(range(8))
    assert plan.units_for(CONV, "negative") == [2, 3, 6]
    assert plan.kinds_for(LOGITS) == ["channel"]
    stage = plan.stage_settings(CONV)
    assert stage["objectives"] == ["channel"]
    assert stage["partial"]["diversity:1"] == [2, 3, 6] and set(stage["partial"]) == set(_keys(plan, CONV)) - {
        "channel"
    }


def test_extras_naming_a_whole_layer_cover_all_its_units() -> None:
    extras = parse_extras(["fc", "fc:1"], [CONV, LOGITS], ALL)
    assert extras == {"neuron": {"fc": None}, "negative": {"fc": None}, "diversity": {"fc": None}}
    plan = _plan(extras=extras)
    assert plan.stage_settings(LOGITS)["objectives"] == [
        "channel",
        "negative",
        "diversity:0",
        "diversity:1",
        "diversity:2",
    ]


def test_extras_for_one_kind_render_only_that_kind_there() -> None:
    extras = parse_extras(["neuron@mixed4b", "fc:1"], [CONV, LOGITS], ALL)
    plan = _plan(extras=extras)
    assert plan.kinds_for(CONV) == ["channel", "neuron"]
    assert plan.units_for(CONV, "neuron") == list(range(8)) and plan.units_for(CONV, "negative") == []
    assert plan.stage_settings(CONV)["objectives"] == ["channel", "neuron"]
    assert plan.kinds_for(LOGITS) == ["channel", "negative", "diversity"]


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("mixed9z", KeyError, "among those computed: mixed4b, fc"),
        ("mixed4b:5-99", ValueError, "mixed4b has units 0–7"),
        ("mixed4b:a-b", ValueError, "layer:first-last"),
        ("mixed4b:5-2", ValueError, "units 0–7"),
        ("dreams@mixed4b", ValueError, "kinds: neuron, negative, diversity"),
        ("channel@mixed4b", ValueError, "besides channel"),
        ("neuron@mixed9z", KeyError, "among those computed"),
    ],
)
def test_bad_extras_name_the_valid_layers_or_units(spec: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_extras([spec], [CONV, LOGITS], ALL)


def test_plan_refuses_unknown_kinds_a_missing_channel_and_a_tiny_diversity_set() -> None:
    with pytest.raises(ValueError, match="valid kinds are channel, neuron, negative, diversity"):
        _plan(kinds=("channel", "dreams"))
    with pytest.raises(ValueError, match="channel is always needed"):
        _plan(kinds=("neuron",))
    with pytest.raises(ValueError, match="at least 2"):
        _plan(diversity=1)


def test_objectives_repeat_units_for_diversity_and_describe_each_image() -> None:
    acts = {"mixed4b": torch.rand(4, 8, 4, 4)}
    objective, descriptions = objective_for("diversity", "mixed4b", [5, 7], per_unit=2)
    assert objective(acts).shape == (4,)
    assert (
        descriptions
        == ["channel(mixed4b:[5]) - 0.3*diversity(mixed4b,group=2)"] * 2
        + ["channel(mixed4b:[7]) - 0.3*diversity(mixed4b,group=2)"] * 2
    )
    negative, (first, second) = objective_for("negative", "mixed4b", [5, 7])
    pair = {"mixed4b": acts["mixed4b"][:2]}
    assert torch.allclose(negative(pair), -pair["mixed4b"][[0, 1], [5, 7]].mean((1, 2)))
    assert (first, second) == ("-channel(mixed4b:[5])", "-channel(mixed4b:[7])")
    with pytest.raises(ValueError, match="unknown feature-vis kind"):
        objective_for("dreams", "mixed4b", [1])
