"""The render loop: reproducible, stops early, leaves the model alone, and finds images a unit likes."""

from __future__ import annotations

import json

import pytest
import torch
from torch import Tensor, nn

from precompute.optvis import Renderer, RenderSettings, channel, neuron, render, render_units

QUICK = RenderSettings(steps=4, size=16)


class Boom(nn.Module):
    """Raises if the forward reaches it."""

    def forward(self, x: Tensor) -> Tensor:
        raise AssertionError("the forward ran past the objective's layer")


def test_same_seed_gives_same_image(tiny_net, preprocess) -> None:  # noqa: ANN001
    first = render_units(tiny_net, preprocess, "conv2", [0, 1], QUICK)
    again = render_units(tiny_net, preprocess, "conv2", [0, 1], QUICK)
    assert torch.equal(first.images, again.images)
    assert first.history == again.history


def test_different_seeds_give_different_images(tiny_net, preprocess) -> None:  # noqa: ANN001
    first = render_units(tiny_net, preprocess, "conv2", [0], QUICK)
    other = render_units(tiny_net, preprocess, "conv2", [0], RenderSettings(steps=4, size=16, seed=1))
    assert not torch.equal(first.images, other.images)


@pytest.mark.parametrize("param", ["fourier", "pixel", "laplacian"])
def test_result_has_images_scores_and_history(tiny_net, preprocess, param) -> None:  # noqa: ANN001
    settings = RenderSettings(steps=3, size=16, param=param)
    result = render_units(tiny_net, preprocess, "conv3", [0, 1, 2], settings)
    assert result.images.shape == (3, 3, 16, 16) and result.images.device.type == "cpu"
    assert result.images.min() >= 0 and result.images.max() <= 1
    assert result.objective.shape == (3,)
    assert len(result.history) == 3


def test_render_stops_the_forward_at_the_objectives_layer(preprocess) -> None:  # noqa: ANN001
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3), Boom()).eval()
    result = render(model, preprocess, channel("2", [0, 1]), 2, QUICK)
    assert result.objective.shape == (2,)


def test_channel_render_beats_random_noise(tiny_net, preprocess) -> None:  # noqa: ANN001
    units = [0, 5, 11]
    # Lucid's small learning rate needs more than 16 steps to leave noise behind.
    result = render_units(tiny_net, preprocess, "conv2", units, RenderSettings(steps=64, size=32))
    objective = channel("conv2", units)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        noise = [objective({"conv2": _conv2(tiny_net, preprocess(torch.rand(3, 3, 32, 32)))}) for _ in range(8)]
    assert (result.objective > torch.stack(noise).max(0).values).all()


def _conv2(net: nn.Module, x: Tensor) -> Tensor:
    """The tiny net's conv2 output."""
    with torch.no_grad():
        return net.conv2(net.relu1(net.conv1(x)))


def test_objective_is_scored_on_the_untransformed_image(tiny_net, preprocess) -> None:  # noqa: ANN001
    result = render_units(tiny_net, preprocess, "conv2", [0, 1], QUICK)
    expected = channel("conv2", [0, 1])({"conv2": _conv2(tiny_net, preprocess(result.images))})
    assert torch.allclose(result.objective, expected, atol=1e-5)


def test_model_weights_get_no_gradients_and_keep_requires_grad(tiny_net, preprocess) -> None:  # noqa: ANN001
    before = {name: p.clone() for name, p in tiny_net.named_parameters()}
    render_units(tiny_net, preprocess, "conv3", [0], QUICK)
    for name, p in tiny_net.named_parameters():
        assert p.grad is None and p.requires_grad
        assert torch.equal(p, before[name])
    assert not tiny_net.training


def test_snapshots_and_progress_follow_the_steps(tiny_net, preprocess) -> None:  # noqa: ANN001
    seen: list[int] = []
    objective = channel("conv2", [0])
    result = render(tiny_net, preprocess, objective, 1, QUICK, thresholds=(0, 2, 4), progress=seen.append)
    assert seen == [1, 2, 3, 4]
    assert sorted(result.snapshots) == [0, 2, 4]
    assert torch.equal(result.snapshots[4], result.images)
    assert not torch.equal(result.snapshots[0], result.snapshots[2])


def test_threshold_past_the_last_step_raises_value_error(tiny_net, preprocess) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="thresholds"):
        render(tiny_net, preprocess, channel("conv2", [0]), 1, QUICK, thresholds=(5,))


def test_settings_serialize_to_json_and_reject_bad_values() -> None:
    assert json.loads(json.dumps(RenderSettings().as_dict())) == {
        "steps": 512,
        "size": 128,
        "lr": 0.05,
        "param": "fourier",
        "decorrelate": True,
        "transforms": "standard",
        "pad": 12,
        "jitter": 8,
        "seed": 0,
        "redirect_steps": 16,
        "precision": "fp32",
        "lr_schedule": "constant",
        "tensor": "pre_relu",
        "oversample": 1,
        "upscale": 1,
    }
    with pytest.raises(ValueError, match="fourier"):
        RenderSettings(param="cppn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="steps"):
        RenderSettings(steps=0)
    with pytest.raises(ValueError, match="pre_relu, output"):
        RenderSettings(tensor="post")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="upscale must be 1…8"):
        RenderSettings(upscale=0)


class BnNet(nn.Module):
    """conv → BatchNorm → ReLU → conv: the first conv folds unless kept."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1, self.relu = nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU()
        self.conv2 = nn.Conv2d(6, 4, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(self.relu(self.bn1(self.conv1(x))))


def test_renderer_is_reusable_and_matches_one_off_render(tiny_net, preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(tiny_net, preprocess, layers=["conv2"])
    first = renderer.render(channel("conv2", [0, 1]), 2, QUICK)
    again = renderer.render(channel("conv2", [0, 1]), 2, QUICK)
    once = render(tiny_net, preprocess, channel("conv2", [0, 1]), 2, QUICK)
    assert torch.equal(first.images, again.images) and torch.equal(first.images, once.images)


def test_batchnorm_is_folded_except_into_layers_objectives_read(preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(BnNet().eval(), preprocess, layers=["bn1", "conv2"])
    assert renderer.render(channel("bn1", [0]), 1, QUICK).objective.shape == (1,)  # the folded output's name
    assert renderer.folded == ["conv1"]
    kept = Renderer(BnNet().eval(), preprocess, layers=["conv1"])
    assert kept.render(channel("conv1", [0]), 1, QUICK).objective.shape == (1,) and kept.folded == []


def test_objective_on_a_layer_the_renderer_was_not_made_for_raises_value_error(preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(BnNet().eval(), preprocess, layers=["bn1"])
    with pytest.raises(ValueError, match="layers=.*including"):
        renderer.render(channel("conv2", [0]), 1, QUICK)


def test_bf16_precision_renders_and_raises_the_objective(tiny_net, preprocess) -> None:  # noqa: ANN001
    settings = RenderSettings(steps=24, size=32, precision="bf16")
    result = render_units(tiny_net, preprocess, "conv3", [0, 3], settings)
    assert result.objective.dtype == torch.float32
    assert result.history[-1] < result.history[0]


def test_a_negative_image_goes_below_zero_before_the_relu_and_stops_at_zero_after_it(tiny_net, preprocess) -> None:  # noqa: ANN001
    units = [0, 3]
    settings = RenderSettings(steps=64, size=16, lr=0.1)
    pre = render(tiny_net, preprocess, -channel("relu2", units), 2, settings)
    post = render(
        tiny_net, preprocess, -channel("relu2", units), 2, RenderSettings(**{**settings.as_dict(), "tensor": "output"})
    )
    assert (pre.objective > 0).all()  # minus the mean pre-activation: the mean went below zero
    assert (post.objective <= 0).all()  # a ReLU's output cannot


def test_renderer_says_which_tensor_each_layer_optimizes(tiny_net, preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(tiny_net, preprocess, layers=["relu2", "fc"])
    assert renderer.reads("relu2", QUICK) == "pre_relu"
    assert renderer.reads("fc", QUICK) == "output"  # logits have no ReLU
    assert renderer.reads("relu2", RenderSettings(steps=4, size=16, tensor="output")) == "output"


def test_oversampled_images_are_larger_and_the_network_sees_them_box_filtered(tiny_net, preprocess) -> None:  # noqa: ANN001
    settings = RenderSettings(steps=6, size=16, oversample=3)
    renderer = Renderer(tiny_net, preprocess, layers=["relu3"])
    result = renderer.render(channel("relu3", [1, 2]), 2, settings)
    assert result.images.shape == (2, 3, 48, 48)
    with torch.no_grad():
        seen = torch.nn.functional.avg_pool2d(result.images, 3)
        pre3 = tiny_net.conv3(tiny_net.relu2(tiny_net.conv2(tiny_net.relu1(tiny_net.conv1(preprocess(seen))))))
    torch.testing.assert_close(result.objective, pre3[[0, 1], [1, 2]].mean((1, 2)), atol=1e-5, rtol=1e-4)
    peaks, pre_peaks = renderer.measure("relu3", result.images, settings)
    torch.testing.assert_close(pre_peaks, pre3.flatten(2).amax(2), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(peaks, pre3.relu().flatten(2).amax(2), atol=1e-5, rtol=1e-4)


def test_upscaled_images_are_the_optimized_ones_on_a_finer_grid(tiny_net, preprocess) -> None:  # noqa: ANN001
    settings = RenderSettings(steps=6, size=16, upscale=4)
    result = render_units(tiny_net, preprocess, "relu2", [0, 1], settings)
    assert result.images.shape == (2, 3, 64, 64) and result.optimized.shape == (2, 3, 16, 16)
    box = torch.nn.functional.avg_pool2d(result.images, 4)
    assert (box - result.optimized).abs().mean() < 0.01  # the same image, up to the box filter's blur


def test_a_transparent_neuron_render_fades_what_lies_outside_the_receptive_field_to_grey(tiny_net, preprocess) -> None:  # noqa: ANN001
    """relu1's units read 3×3 px (5×5 with the jitter): outside the image's middle half, the opaque Fourier image
    still varies (every frequency spans the image); with transparency it stays near the grey it is laid over, and
    the units keep most of their activation."""
    settings = RenderSettings(steps=48, size=32)
    renderer = Renderer(tiny_net, preprocess, layers=["relu1"])
    opaque = renderer.render(neuron("relu1", [0, 1, 2, 3]), 4, settings)
    faded = renderer.render(neuron("relu1", [0, 1, 2, 3]), 4, settings, transparency=0.5)
    outside = torch.ones(32, 32, dtype=torch.bool)
    outside[8:24, 8:24] = False
    opaque_off, faded_off = ((r.images - 0.5).abs()[:, :, outside].mean() for r in (opaque, faded))
    assert faded_off < 0.5 * opaque_off, (faded_off, opaque_off)
    assert faded.objective.sum() > 0.6 * opaque.objective.sum(), (faded.objective, opaque.objective)
    assert faded.images.shape == opaque.images.shape == (4, 3, 32, 32)  # stored as RGB, laid over grey


def test_a_negative_transparency_raises_value_error(tiny_net, preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(tiny_net, preprocess, layers=["relu2"])
    with pytest.raises(ValueError, match="transparency must be >= 0"):
        renderer.render(channel("relu2", [0]), 1, QUICK, transparency=-0.1)


def test_cosine_schedule_warms_up_then_decays_to_a_tenth() -> None:
    from precompute.optvis.render import learning_rate

    settings = RenderSettings(steps=100, lr=0.2, lr_schedule="cosine")
    rates = [learning_rate(settings, step) for step in range(100)]
    assert rates[0] < rates[4] == pytest.approx(0.2)
    assert all(a >= b for a, b in zip(rates[4:], rates[5:], strict=False))
    assert rates[-1] == pytest.approx(0.02, rel=0.01)
    assert {learning_rate(RenderSettings(steps=100, lr=0.2), s) for s in range(100)} == {0.2}


def test_an_untraceable_model_still_renders_through_hooks_at_its_output(gated_net, preprocess) -> None:  # noqa: ANN001
    renderer = Renderer(gated_net, preprocess, layers=["relu"])
    result = renderer.render(channel("relu", [0, 1]), 2, QUICK)
    assert not renderer.traced and renderer.reads("relu", QUICK) == "output"
    assert result.images.shape == (2, 3, 16, 16)


@pytest.mark.slow
def test_compiled_renderer_gives_the_eager_images_for_the_same_seed(tiny_net, preprocess) -> None:  # noqa: ANN001
    settings = RenderSettings(steps=20, size=16, redirect_steps=4)  # through both graphs: redirected, then plain
    eager = Renderer(tiny_net, preprocess, layers=["relu2"]).render(channel("relu2", [0, 1]), 2, settings)
    compiled = Renderer(tiny_net, preprocess, layers=["relu2"], compile=True).render(
        channel("relu2", [0, 1]), 2, settings
    )
    torch.testing.assert_close(compiled.images, eager.images, atol=1e-4, rtol=0)
    torch.testing.assert_close(compiled.objective, eager.objective, atol=1e-4, rtol=1e-4)


def test_the_cut_graph_gives_the_images_of_the_hook_stopped_forward(tiny_net, preprocess, monkeypatch) -> None:  # noqa: ANN001
    import importlib

    settings = RenderSettings(steps=20, size=16, redirect_steps=4, tensor="output")
    traced = Renderer(tiny_net, preprocess, layers=["relu2"])
    first = traced.render(channel("relu2", [0, 1]), 2, settings)
    monkeypatch.setattr(importlib.import_module("precompute.optvis.render"), "trace_layers", lambda *_a, **_k: None)
    hooked = Renderer(tiny_net, preprocess, layers=["relu2"])
    second = hooked.render(channel("relu2", [0, 1]), 2, settings)
    assert traced.traced and not hooked.traced
    torch.testing.assert_close(first.images, second.images, atol=1e-5, rtol=0)
