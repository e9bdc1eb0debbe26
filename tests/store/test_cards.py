"""Preview cards: every card is a 1200×630 PNG, whatever it is given."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from store.cards import CARD_HEIGHT, CARD_WIDTH, Card, draw, mosaic, unit_card


def _png(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return picture


def test_a_card_is_1200_by_630_png_with_or_without_pictures() -> None:
    tiles = [Image.new("RGB", (32, 24), (i * 30, 0, 0)) for i in range(8)]
    for card in (Card("conv1:0"), Card("conv1:0", ["toy-net", "a very long label " * 20], tiles[0], tiles)):
        assert _png(draw(card)).size == (CARD_WIDTH, CARD_HEIGHT)


def test_the_hero_picture_fills_the_left_of_the_card() -> None:
    picture = _png(draw(Card("x", hero=Image.new("RGB", (8, 8), (255, 0, 0)))))
    assert picture.convert("RGB").getpixel((300, 300)) == (255, 0, 0)


def test_mosaic_is_none_without_pictures_and_square_with_them() -> None:
    assert mosaic([]) is None
    grid = mosaic([Image.new("RGB", (4, 4))] * 5, side=100)
    assert grid is not None and grid.size == (100, 100)


def test_unit_card_skips_missing_files(tmp_path: Path) -> None:
    vis = tmp_path / "vis.png"
    Image.new("RGB", (16, 16), (0, 0, 255)).save(vis)
    card = _png(unit_card("toy-net", "conv1:0", "edges", vis, [tmp_path / "gone.png"]))
    assert card.size == (CARD_WIDTH, CARD_HEIGHT) and card.convert("RGB").getpixel((300, 300)) == (0, 0, 255)
