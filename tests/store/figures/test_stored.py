"""Stored figures read back as drawn; anything of another version, damaged, or beyond plain SVG reads as none."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from store.figures import stored
from store.figures.unit import FIGURES_VERSION, UnitFigures, draw_unit
from store.reader import StoreReader


@pytest.fixture(scope="module")
def figures(toy_store: Path) -> UnitFigures:
    """block1:2's figures: tuning plots, a histogram, activation maps and kernels."""
    detail = StoreReader(toy_store).unit("toy-net", "block1", 2)
    assert detail is not None
    return draw_unit("block1", detail)


def _repacked(figures: UnitFigures, change: dict) -> bytes:
    kept = json.loads(zlib.decompress(stored.pack(figures)))
    return zlib.compress(json.dumps({**kept, **change}).encode())


def test_packed_figures_read_back_equal_and_a_tenth_of_their_size(figures: UnitFigures) -> None:
    data = stored.pack(figures)
    assert stored.unpack(data) == figures
    assert len(data) < len(json.dumps(json.loads(zlib.decompress(data)))) / 4


def test_figures_of_another_version_read_as_none(figures: UnitFigures) -> None:
    assert stored.unpack(_repacked(figures, {"version": FIGURES_VERSION + 1})) is None


@pytest.mark.parametrize("data", [b"", b"not zlib", zlib.compress(b"not json"), zlib.compress(b"[]")])
def test_damaged_figures_read_as_none(data: bytes) -> None:
    assert stored.unpack(data) is None


@pytest.mark.parametrize(
    "svg",
    [
        '<svg><a href="https://example.org"><text>click</text></a></svg>',
        '<svg><script href="/assets/x.js"></script></svg>',
        '<svg onload="alert(1)"></svg>',
        '<svg style="display:none"></svg>',
        '<svg><image href="https://example.org/x.png"/></svg>',
        "<svg><foreignObject><div>html</div></foreignObject></svg>",
        "<svg><!-- comment --></svg>",
        '<svg x="1" <script>',
        "<svg><title>a < b</title></svg>",
    ],
)
def test_figures_with_markup_the_figures_never_draw_read_as_none(figures: UnitFigures, svg: str) -> None:
    assert not stored.is_plain_svg(svg)
    assert stored.unpack(_repacked(figures, {"histogram": svg})) is None


def test_every_figure_drawn_is_plain_svg(figures: UnitFigures) -> None:
    drawn = [plot.svg for plot in figures.tuning] + [figures.histogram, *figures.amaps.values()]
    drawn += [*figures.inputs.cells.values(), *figures.outputs.cells.values()]
    assert drawn and all(stored.is_plain_svg(str(svg)) for svg in drawn)
