"""Feature visualization: parameterizations, transforms, objectives and the render loop."""

from precompute.optvis.objectives import (
    Objective,
    channel,
    class_logit,
    direction,
    diversity,
    neuron,
)
from precompute.optvis.params import fourier_image, pixel_image
from precompute.optvis.render import PRESETS, RenderResult, RenderSettings, render, render_units
from precompute.optvis.transforms import standard_transforms

__all__ = [
    "PRESETS",
    "Objective",
    "RenderResult",
    "RenderSettings",
    "channel",
    "class_logit",
    "direction",
    "diversity",
    "fourier_image",
    "neuron",
    "pixel_image",
    "render",
    "render_units",
    "standard_transforms",
]
