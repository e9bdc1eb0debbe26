"""The curve renderings a finding's orientations are measured with, and the preferred orientation they give."""

from __future__ import annotations

import numpy as np
import pytest

from precompute.findings_orientation import preferred
from precompute.tuning_stimuli import ANGLES, CURVATURES, RENDERINGS, rendering_batch


@pytest.mark.parametrize("rendering", list(RENDERINGS))
def test_each_rendering_draws_its_blank_then_every_curve_in_its_polarity(rendering: str) -> None:
    batch = rendering_batch(rendering, 24, 64).numpy()
    assert batch.shape == (1 + len(ANGLES) * len(CURVATURES), 3, 64, 64)
    level = RENDERINGS[rendering]["background_level"]
    stroke = batch[1:] - batch[:1]  # what each curve adds to its background
    brighter = level < 0.5  # a light stroke on a dark background, a dark one on a light background
    assert (stroke.max() > 0.2) == brighter and (stroke.min() < -0.2) == (not brighter)


def test_an_unknown_rendering_names_the_renderings() -> None:
    with pytest.raises(KeyError, match="thin, light on dark, flat"):
        rendering_batch("sketchy", 24, 64)


def test_a_unit_answering_one_angle_prefers_it_and_a_silent_one_has_no_preference() -> None:
    responses = np.zeros((1 + len(ANGLES) * len(CURVATURES), 2))
    responses[1 + len(ANGLES) + ANGLES.index(90.0), 0] = 1.0  # the middle radius, at 90°
    found = preferred(responses)
    assert found[0] == pytest.approx(90.0) and np.isnan(found[1])
