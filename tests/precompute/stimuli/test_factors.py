"""Factor names, validation and drawing: fixed factors are honoured, recorded and leave the others alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from precompute.stimuli import PATTERNS, factor_names, generate
from precompute.stimuli.render import RENDERERS


def test_families_are_sorted_and_each_has_a_renderer() -> None:
    assert list(PATTERNS) == sorted(PATTERNS)
    assert set(RENDERERS) == set(PATTERNS)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_factors_are_named_json_serializable_and_complete(pattern: str) -> None:
    stimulus = generate(pattern, np.random.default_rng(0), size=32)
    assert tuple(stimulus.factors) == factor_names(pattern)
    assert json.loads(json.dumps(stimulus.factors)) == stimulus.factors
    assert all(isinstance(value, float | int | str | bool) for value in stimulus.factors.values())


def test_unknown_family_raises_value_error_listing_valid_families() -> None:
    with pytest.raises(ValueError, match="unknown stimulus pattern 'square'.*circle.*spiral"):
        generate("square", np.random.default_rng(0))
    with pytest.raises(ValueError, match="line"):
        factor_names("lines")


def test_unknown_factor_raises_value_error_listing_valid_factors() -> None:
    with pytest.raises(ValueError, match="radius.*valid factors: .*orientation.*curvature"):
        generate("curve", np.random.default_rng(0), radius=0.2)


def test_fixed_factor_of_wrong_type_or_choice_raises_value_error() -> None:
    with pytest.raises(ValueError, match="direction.*'ccw', 'cw'"):
        generate("spiral", np.random.default_rng(0), direction="left")
    with pytest.raises(ValueError, match="orientation.*float"):
        generate("line", np.random.default_rng(0), orientation="vertical")
    with pytest.raises(ValueError, match="color.*True"):
        generate("color_edge", np.random.default_rng(0), color=False)


def test_fixed_factors_are_honoured_and_recorded() -> None:
    stimulus = generate("curve", np.random.default_rng(0), orientation=30, curvature=0.5, color=False)
    assert stimulus.factors["orientation"] == 30.0 and isinstance(stimulus.factors["orientation"], float)
    assert stimulus.factors["curvature"] == 0.5
    assert stimulus.factors["color"] is False


def test_fixing_one_factor_leaves_the_others_as_the_seed_drew_them() -> None:
    sweep = [generate("curve", np.random.default_rng(5), size=32, orientation=angle) for angle in (0.0, 90.0, 200.0)]
    others = [{k: v for k, v in s.factors.items() if k != "orientation"} for s in sweep]
    assert others[0] == others[1] == others[2]
    free = generate("curve", np.random.default_rng(5), size=32).factors
    assert {k: v for k, v in free.items() if k != "orientation"} == others[0]


def test_color_edge_hues_are_at_least_60_degrees_apart() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        factors = generate("color_edge", rng, size=8).factors
        gap = abs(float(factors["hue_a"]) - float(factors["hue_b"])) % 360
        assert min(gap, 360 - gap) >= 60 - 1e-3
