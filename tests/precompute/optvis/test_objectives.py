"""Objectives: per-item scores, composition, descriptions, and that the loss of each falls when optimized."""

from __future__ import annotations

import pytest
import torch

from precompute.optvis import (
    RenderSettings,
    channel,
    class_logit,
    direction,
    diversity,
    neuron,
    render,
)

FEW_STEPS = RenderSettings(steps=8, size=32, transforms="none")


def _acts() -> dict[str, torch.Tensor]:
    with torch.random.fork_rng():
        torch.manual_seed(1)
        return {"conv": torch.randn(3, 4, 5, 5), "fc": torch.randn(3, 6)}


def _loss_falls(model, preprocess, objective, batch: int) -> None:  # noqa: ANN001
    history = render(model, preprocess, objective, batch, FEW_STEPS).history
    assert history[-1] < history[0], history


def test_channel_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, channel("conv2", [0, 3, 5]), 3)


def test_neuron_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, neuron("conv3", [1, 2]), 2)


def test_direction_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    vectors = torch.linspace(-1, 1, 2 * 12).reshape(2, 12)
    _loss_falls(tiny_net, preprocess, direction("conv2", vectors), 2)


def test_diversity_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, diversity("conv1"), 3)


def test_class_logit_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, class_logit("fc", [0, 4]), 2)


def test_negative_channel_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, -channel("conv2", [1, 2]), 2)


def test_composed_objective_loss_falls(tiny_net, preprocess) -> None:  # noqa: ANN001
    _loss_falls(tiny_net, preprocess, channel("conv2", [4]) + 0.5 * diversity("conv2"), 3)


def test_channel_picks_each_items_unit_and_averages_positions() -> None:
    acts = _acts()
    scores = channel("conv", [0, 3, 1])(acts)
    expected = torch.stack([acts["conv"][0, 0].mean(), acts["conv"][1, 3].mean(), acts["conv"][2, 1].mean()])
    assert torch.allclose(scores, expected)


def test_channel_on_linear_output_is_the_value() -> None:
    acts = _acts()
    assert torch.equal(channel("fc", [5, 0, 2])(acts), acts["fc"][[0, 1, 2], [5, 0, 2]])


def test_single_unit_is_shared_by_the_batch() -> None:
    acts = _acts()
    assert torch.allclose(channel("conv", [2])(acts), acts["conv"][:, 2].mean((1, 2)))


def test_neuron_reads_the_centre_by_default_and_a_given_position() -> None:
    acts = _acts()
    assert torch.equal(neuron("conv", [1, 1, 1])(acts), acts["conv"][:, 1, 2, 2])
    assert torch.equal(neuron("conv", [1], x=4, y=0)(acts), acts["conv"][:, 1, 0, 4])


def test_direction_is_dot_product_with_position_mean() -> None:
    acts = _acts()
    vectors = torch.randn(3, 4)
    expected = (acts["conv"].mean((2, 3)) * vectors).sum(1)
    assert torch.allclose(direction("conv", vectors)(acts), expected)


def test_diversity_is_zero_for_one_item_and_negative_for_identical_items() -> None:
    single = {"conv": torch.rand(1, 4, 5, 5)}
    assert torch.equal(diversity("conv")(single), torch.zeros(1))
    same = {"conv": torch.rand(1, 4, 5, 5).expand(3, -1, -1, -1)}
    assert torch.allclose(diversity("conv")(same), torch.full((3,), -2 / 3))


def test_grouped_diversity_compares_items_only_within_their_group() -> None:
    first, second = torch.rand(1, 4, 5, 5), torch.rand(1, 4, 5, 5)
    acts = {"conv": torch.cat([first, first, second, second])}  # two groups of two identical items
    grouped = diversity("conv", group=2)
    assert torch.allclose(grouped(acts), torch.full((4,), -1 / 2))
    assert torch.allclose(grouped({"conv": acts["conv"][:2]}), diversity("conv")({"conv": acts["conv"][:2]}))
    assert grouped.description == "diversity(conv,group=2)"
    with pytest.raises(ValueError, match="groups of 2"):
        grouped({"conv": torch.rand(3, 4, 5, 5)})


@pytest.mark.parametrize("shape", [(6, 16, 2, 2), (6, 3, 5, 5), (6, 7)])  # positions < channels, ≥, none
def test_diversity_equals_lucids_cosine_between_gram_matrices(shape: tuple[int, ...]) -> None:
    act = torch.rand(*shape)
    flat = act.reshape(6, shape[1], -1)
    grams = torch.nn.functional.normalize((flat @ flat.transpose(1, 2)).flatten(1), dim=1)
    cosine = grams @ grams.T
    for group in (2, 3, 6):
        blocks = torch.block_diag(*[torch.ones(group, group)] * (6 // group)) - torch.eye(6)
        expected = -(cosine * blocks).sum(1) / group
        assert torch.allclose(diversity("x", group=group)({"x": act}), expected, atol=1e-5)


def test_composition_combines_scores_layers_and_descriptions() -> None:
    acts = _acts()
    a, b = channel("conv", [0]), neuron("fc", [1])
    combined = a - 0.5 * (b + a)
    assert torch.allclose(combined(acts), a(acts) - 0.5 * (b(acts) + a(acts)))
    assert combined.layers == frozenset({"conv", "fc"})
    assert combined.description == "channel(conv:[0]) - 0.5*(neuron(fc:[1]) + channel(conv:[0]))"
    assert (-a).description == "-channel(conv:[0])"
    assert (a * 2).description == "2.0*channel(conv:[0])"


def test_descriptions_are_stable_keys() -> None:
    vectors = torch.ones(2, 4)
    assert channel("layer2.0", [3, 4]).description == "channel(layer2.0:[3,4])"
    assert neuron("mixed4b", [409], x=3, y=5).description == "neuron(mixed4b:[409],x=3,y=5)"
    assert direction("c", vectors).description == direction("c", vectors.clone()).description
    assert direction("c", vectors).description != direction("c", -vectors).description
    assert class_logit("fc", [7]).description == channel("fc", [7]).description


def test_out_of_range_unit_raises_value_error_naming_valid_range() -> None:
    with pytest.raises(ValueError, match="0…3"):
        channel("conv", [0, 9, 1])(_acts())


def test_unit_count_not_matching_batch_raises_value_error() -> None:
    with pytest.raises(ValueError, match="batch of 3"):
        channel("conv", [0, 1])(_acts())
