"""bench/curve_orientations.py: its arcs face the way they say, and it finds a detector's facing from its answers."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from bench import curve_orientations as bench
from precompute.zoo.types import InputSpec, LoadedModel

SIDE = 64
RADIUS = 11.0


@pytest.mark.parametrize("facing", [0.0, 45.0, 100.0, 180.0, 250.0, 315.0])
@pytest.mark.parametrize("offset", [(0.0, 0.0), (4.0, -4.0)])
def test_an_arc_bulges_towards_its_facing_with_its_sagitta_at_the_centre(
    facing: float, offset: tuple[float, float]
) -> None:
    image = bench.arc_image(SIDE, facing, RADIUS, 2.0, 1.0, 0.0, offset)
    rows, cols = np.nonzero(image > 0.5)
    x, y = cols.mean() + 0.5 - SIDE / 2, SIDE / 2 - (rows.mean() + 0.5)  # the stroke's centroid, y up, from the centre
    direction = np.deg2rad(facing)
    # a 120° arc's centroid lies 0.83 r from its circle's centre, its sagitta's middle 0.75 r: 0.08 r beyond the centre
    expected = np.array(offset) + 0.08 * RADIUS * np.array([np.cos(direction), np.sin(direction)])
    assert np.hypot(x - expected[0], y - expected[1]) < 0.6
    turned = bench.arc_image(SIDE, facing + 180.0, RADIUS, 2.0, 1.0, 0.0, offset)
    assert (image * turned).sum() < 0.3 * (image * image).sum()  # the turned arc is mostly elsewhere


def test_the_preferred_direction_is_the_stored_orientations_definition() -> None:
    facings = np.deg2rad(np.array(bench.FACINGS))
    curves = np.stack([np.maximum(np.cos(facings - np.deg2rad(a)), 0.0) for a in (75.0, 300.0)], axis=1)
    assert bench.directions(curves) == pytest.approx([75.0, 300.0], abs=0.5)
    assert bench.turn(350.0, 10.0) == 20.0 and bench.turn(0.0, 180.0) == 180.0


class _Abs(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.abs()


def _detectors(facings: list[float]) -> LoadedModel:
    """A one-layer network whose unit i is a 25×25 template of an arc facing facings[i], answering either polarity."""
    conv = nn.Conv2d(3, len(facings), 25, padding=12, bias=False)
    with torch.no_grad():
        for i, facing in enumerate(facings):
            template = torch.from_numpy(bench.arc_image(25, facing, 8.0, 2.5, 1.0, 0.0))
            conv.weight[i] = (template - template.mean()) / 3
    module = nn.Sequential(OrderedDict(detector=nn.Sequential(conv, _Abs())))
    spec = InputSpec(size=SIDE, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    return LoadedModel("toy", "toy", "toy", module, spec, [], ["detector"], "", SIDE)


def test_a_detectors_answers_give_back_the_facing_it_was_built_for() -> None:
    facings = [30.0, 135.0, 260.0]
    model = _detectors(facings)
    curves = bench.responses(model, "detector", bench.stimuli(SIDE, 2), [0, 1, 2], bench.centre_window(SIDE))
    assert curves.shape == (len(bench.LOOKS), len(bench.FACINGS), 3)
    stored = {0: 30.0, 1: 135.0 + 180.0, 2: 250.0}  # unit 1's stored orientation is the wrong way round
    found = bench.agreements("detector", stored, curves)
    assert [a.agrees for a in found] == [True, False, True]
    assert [a.holds for a in found] == [True, False, True]
    assert all(bench.turn(a.preferred, f) <= 15.0 for a, f in zip(found, facings, strict=True))
    assert all(bench.turn(a.peak, f) <= 15.0 for a, f in zip(found, facings, strict=True))


def test_a_layer_narrower_than_the_smallest_arc_is_left_out() -> None:
    across = bench.chord(min(bench.RADII))
    assert bench.too_small(int(across)) and not bench.too_small(int(across) + 1) and not bench.too_small(None)
