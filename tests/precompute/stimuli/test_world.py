"""The demo's world: classes that need orientation, curvature and colour, drawn in clutter, mapped by symmetries."""

from __future__ import annotations

import numpy as np
import pytest

from precompute.stimuli import CLASS_NAMES, CLASSES, CURVE_CLASSES
from precompute.stimuli.draw import LUMA
from precompute.stimuli.world import BIN, stimulus_class, symmetry_permutation
from store.scores import FAMILY_CLASSES


def test_curve_classes_split_the_circle_into_bins_of_the_convex_side() -> None:
    curves = [stimulus_class(name) for name in CURVE_CLASSES]
    assert sorted(c.facing for c in curves) == [k * BIN for k in range(8)]
    for cls in curves:
        for seed in range(20):
            facing = float(cls.draw(np.random.default_rng(seed), 32).factors["orientation"])
            assert abs((facing - cls.facing + 180) % 360 - 180) <= BIN / 2


def test_every_class_draws_deterministically_with_its_label() -> None:
    for cls in CLASSES:
        first, again = cls.draw(np.random.default_rng(3), 32), cls.draw(np.random.default_rng(3), 32)
        assert first.label == cls.name and first.image.tobytes() == again.image.tobytes()
        assert first.image.size == (32, 32)


def test_colour_classes_differ_only_in_hue_not_in_brightness() -> None:
    lumas = {}
    for name in ("red_green", "blue_yellow"):
        cls = stimulus_class(name)
        images = [np.asarray(cls.draw(np.random.default_rng(s), 32).image, dtype=np.float64) for s in range(30)]
        lumas[name] = np.mean([(image @ LUMA).mean() for image in images])
    assert abs(lumas["red_green"] - lumas["blue_yellow"]) < 6  # of 255


@pytest.mark.parametrize(
    ("symmetry", "mapping"), [("hflip", ("e", "w")), ("vflip", ("n", "s")), ("transpose", ("e", "s"))]
)
def test_a_symmetry_maps_curve_labels_with_the_image(symmetry: str, mapping: tuple[str, str]) -> None:
    names = [cls.name for cls in CLASSES]
    permutation = symmetry_permutation(symmetry)
    assert names[permutation[names.index(f"curve_{mapping[0]}")]] == f"curve_{mapping[1]}"
    assert sorted(permutation) == list(range(len(CLASSES)))
    assert all(permutation[i] == i for i, cls in enumerate(CLASSES) if cls.facing is None)


def test_unknown_class_names_the_classes() -> None:
    with pytest.raises(KeyError, match="classes: curve_e"):
        stimulus_class("spiral")


def test_every_class_a_family_expects_is_a_class_of_the_world() -> None:
    named = {name for classes in FAMILY_CLASSES.values() for name in classes}
    assert named <= set(CLASS_NAMES) and set(FAMILY_CLASSES["curves"]) == set(CURVE_CLASSES)
