"""The redirected ReLU gradient reaches units a plain ReLU would keep dead."""

from __future__ import annotations

import torch
from torch import nn

from precompute.optvis import RenderSettings, render_units
from precompute.optvis.redirect import redirected_relu


def test_forward_is_an_ordinary_relu() -> None:
    x = torch.randn(4, 3, 5, 5)
    with redirected_relu():
        y = nn.ReLU()(x)
    torch.testing.assert_close(y, x.clamp_min(0))


def test_gradient_reaches_an_item_the_relu_blocks_everywhere() -> None:
    x = torch.full((2, 3), -1.0, requires_grad=True)
    with redirected_relu():
        y = torch.relu(x)
    (grad,) = torch.autograd.grad(-y.sum(), x)  # minimizing −y wants x to rise
    assert (grad < 0).all()


def test_gradient_is_the_plain_relu_one_where_any_gets_through() -> None:
    x = torch.tensor([[1.0, -1.0]], requires_grad=True)
    with redirected_relu():
        y = torch.relu(x)
    (grad,) = torch.autograd.grad((y * torch.tensor([[2.0, 3.0]])).sum(), x)
    torch.testing.assert_close(grad, torch.tensor([[2.0, 0.0]]))


def test_a_unit_dead_on_every_start_image_is_woken_up() -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 2, 3, padding=1)
    with torch.no_grad():
        conv.bias.fill_(-1.0)  # dead on the grey noise a render starts from, alive for strong colours
    model = nn.Sequential(conv, nn.ReLU()).eval()
    settings = RenderSettings(steps=48, size=16, lr=0.1, transforms="none", tensor="output")  # through the ReLU
    woken = render_units(model, lambda x: x * 4 - 2, "1", [0, 1], settings)
    plain = RenderSettings(**{**settings.as_dict(), "redirect_steps": 0})
    dead = render_units(model, lambda x: x * 4 - 2, "1", [0, 1], plain)
    assert (woken.objective > 0).all()
    assert (dead.objective == 0).all()
