"""Preferred orientations of chosen units under each rendering of the curve probes (tuning_stimuli.RENDERINGS).

Measured as the tuning stage measures its orientation curve (precompute.tuning): the stimuli drawn at the layer's
receptive-field size at the image centre, a unit's response its maximum over the central map positions, minus its
response to the rendering's blank (negatives counted as 0), the best of the curve radii at each angle; the preferred
orientation is the direction of Σ r(θ)·e^{iθ} (NaN when the unit answers no curve of that rendering).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from precompute.hooks import LayerTap
from precompute.layers import LayerInfo
from precompute.tuning import orientation_scores, window_responses, window_side
from precompute.tuning_stimuli import ANGLES, CURVATURES, RENDERINGS, patch_side, rendering_batch
from precompute.zoo import LoadedModel


@torch.no_grad()
def rendered_orientations(
    model: LoadedModel, layers: Sequence[LayerInfo], chosen: Mapping[str, Sequence[int]], device: str = "cpu"
) -> dict[str, np.ndarray]:
    """{layer: (chosen units, renderings) preferred orientations}, rows in the order of `chosen[layer]`."""
    sides: dict[int, list[LayerInfo]] = {}
    for layer in layers:
        if chosen.get(layer.name):
            sides.setdefault(patch_side(layer.rf_size, model.input.size), []).append(layer)
    found: dict[str, list[np.ndarray]] = {layer.name: [] for group in sides.values() for layer in group}
    for side, group in sides.items():
        windows = {layer.name: window_side(layer, side) for layer in group}
        with LayerTap(model.module, list(windows)) as tap:
            for rendering in RENDERINGS:
                batch = model.input.normalize(rendering_batch(rendering, side, model.input.size).to(device))
                responses = window_responses(tap, batch, windows)
                for layer in group:
                    units = list(chosen[layer.name])
                    found[layer.name].append(preferred(responses[layer.name][:, units].cpu().numpy()))
    return {name: np.stack(columns, axis=1) for name, columns in found.items()}


def preferred(responses: np.ndarray) -> np.ndarray:
    """(units,) preferred orientations from a rendering's (1 + curves, units) responses (blank first)."""
    above = np.maximum(responses[1:] - responses[:1], 0.0).astype(np.float64)
    by_angle = above.reshape(len(CURVATURES), len(ANGLES), -1).max(axis=0).T  # (units, angles)
    return orientation_scores(by_angle, ANGLES)[0]
