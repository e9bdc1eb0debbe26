"""bench/curve_pictures.py: its NCC prefers the arc a picture shows over the same arc turned 180°, wherever a
channel picture holds it, and takes the curve family's units and orientations from the store."""

from __future__ import annotations

import numpy as np
import pytest

from bench import curve_pictures as bench
from store.reader import StoreReader
from store.records import LayerRecord
from tests.app.stores import MIXED_ORIENTATION, build_family_store

SIDE = 64  # the demo's input side, in which the bench matches pictures


def _picture(stroke: np.ndarray, at: tuple[int, int] = (SIDE // 2, SIDE // 2), dark: bool = True) -> np.ndarray:
    """A grey picture with `stroke` (0…1) pasted with its centre at (row, column), dark or light."""
    image = np.full((SIDE, SIDE), 0.5)
    half = stroke.shape[0] // 2
    row, col = at
    image[row - half : row + half + 1, col - half : col + half + 1] += (-0.4 if dark else 0.4) * stroke
    return image


@pytest.mark.parametrize("facing", [0.0, 45.0, 90.0, 160.0, 215.0, 300.0])
@pytest.mark.parametrize("slack", [4, None])
def test_an_arc_matches_the_arc_at_its_own_orientation_better_than_the_turned_one(
    facing: float, slack: int | None
) -> None:
    own, turned = bench.match(_picture(bench.arc(9.0, 2.0, facing)), facing, slack)
    assert own > 0.75 and own - turned > 0.2  # radius 9 is none of the bench's: near, not exact


def test_a_channel_picture_is_matched_where_its_arc_lies() -> None:
    picture = _picture(bench.arc(8.0, 3.0, 120.0), at=(15, 46), dark=False)
    own, turned = bench.match(picture, 120.0, None)
    assert own > 0.9 and own > turned
    assert bench.match(picture, 120.0, 4)[0] < 0.5  # a neuron picture is read at its centre only


def test_a_neuron_pictures_arc_may_sit_half_its_layers_stride_off_the_centre() -> None:
    picture = _picture(bench.arc(8.0, 3.0, 200.0), at=(SIDE // 2 + 7, SIDE // 2 - 6))  # 7 and 6 px off
    near, far = (bench.match(picture, 200.0, slack)[0] for slack in (8, 4))
    assert near > 0.9 > 0.6 > far  # found within mixed4a's 8 px, not within mixed3b's 4
    layers = {stride: LayerRecord("l", 0, "conv", 1, 4, 4, 99, stride, None) for stride in (8.0, 16.0)}
    assert [bench.neuron_slack(layers[s]) for s in (8.0, 16.0)] == [4, 8]


def test_a_ring_matches_an_arc_and_the_turned_arc_alike() -> None:
    own, turned = bench.match(_picture(bench.arc(9.0, 2.0, 30.0, span=360.0)), 30.0, 4)
    assert own == pytest.approx(turned, abs=0.02)


def test_ncc_is_one_for_the_template_itself_and_minus_one_for_its_negative() -> None:
    template = bench.arc(8.0, 2.0, 70.0)
    assert bench.ncc_map(template, template)[0, 0] == pytest.approx(1.0)
    assert bench.ncc_map(1.0 - template, template)[0, 0] == pytest.approx(-1.0)


def test_the_arc_faces_its_orientation_counter_clockwise_from_the_right() -> None:
    up = bench.arc(8.0, 2.0, 90.0)  # convex side up: the apex on the top rows, the ends lower
    rows = np.nonzero(up.sum(1))[0]
    top, bottom = up[rows[0]], up[rows[-1]]
    assert np.nonzero(top)[0].mean() == pytest.approx(up.shape[1] // 2, abs=1.0) and len(np.nonzero(bottom)[0]) < 6
    assert np.allclose(bench.arc(8.0, 2.0, 270.0), up[::-1])


def test_the_family_is_a_layers_top_curve_units_with_their_orientations(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    reader = StoreReader(build_family_store(tmp_path_factory.mktemp("bench-family")))
    assert bench.family_units(reader, "fam-a", "mixed") == MIXED_ORIENTATION  # mixed:7 has no orientation
    assert bench.chosen_units(reader, "fam-a", ["mixed:3,5"]) == {"mixed": {3: 110.0, 5: 65.0}}
    with pytest.raises(KeyError, match="no stored orientation for mixed units \\[7\\]"):
        bench.chosen_units(reader, "fam-a", ["mixed:7"])
