"""Feature visualization: parameterizations, transforms, objectives and the render loop."""

from precompute.optvis.objectives import (
    Objective,
    channel,
    class_logit,
    direction,
    diversity,
    neuron,
)
from precompute.optvis.params import fourier_image, laplacian_image, pixel_image
from precompute.optvis.prepare import prepare_for_render
from precompute.optvis.render import Renderer, RenderResult, RenderSettings, render, render_units
from precompute.optvis.transforms import standard_transforms

__all__ = [
    "Objective",
    "RenderResult",
    "RenderSettings",
    "Renderer",
    "channel",
    "class_logit",
    "direction",
    "diversity",
    "fourier_image",
    "laplacian_image",
    "neuron",
    "pixel_image",
    "prepare_for_render",
    "render",
    "render_units",
    "standard_transforms",
]
