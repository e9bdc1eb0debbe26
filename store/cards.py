"""Link-preview cards: the 1200×630 PNG a chat client shows when a page's link is pasted (`og:image`).

One layout for every card: a large picture on the left, a title and a few lines of text on the right, and a grid of
small pictures below them. Precompute (precompute.cards) draws each unit's card into the store; the app draws the
same card from stored images when a store has none, and draws layer, model and circuit cards on request. Pure Pillow,
so both halves can share it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CARD_WIDTH, CARD_HEIGHT = 1200, 630  # the size OpenGraph and Twitter's summary_large_image ask for
CARD_VERSION = 1  # bump when the layout changes, so that precompute redraws stored cards
MARGIN, GAP = 40, 12
HERO = CARD_HEIGHT - 2 * MARGIN  # the left picture's side
TEXT_LEFT = MARGIN + HERO + MARGIN
TEXT_WIDTH = CARD_WIDTH - TEXT_LEFT - MARGIN
TILE_COLUMNS, TILE_ROWS = 3, 2
TILE = (TEXT_WIDTH - GAP * (TILE_COLUMNS - 1)) // TILE_COLUMNS
BACKGROUND, PANEL, INK, MUTED = (250, 250, 248), (226, 226, 222), (20, 20, 20), (90, 90, 90)
TITLE_SIZE, LINE_SIZE = 52, 30
# zlib level 3 instead of Pillow's 6: a card encodes in 20 ms instead of 50 (the demo draws 1,231) and is 9% larger
PNG_LEVEL = 3


@dataclass(frozen=True)
class Card:
    """What a card shows: the title, up to three lines under it, the left picture and the small ones."""

    title: str
    lines: Sequence[str] = ()
    hero: Image.Image | None = None
    tiles: Sequence[Image.Image] = field(default_factory=list)


def draw(card: Card) -> bytes:
    """The card as PNG bytes, CARD_WIDTH × CARD_HEIGHT."""
    canvas = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(canvas)
    if card.hero is None:
        pen.rectangle((MARGIN, MARGIN, MARGIN + HERO, MARGIN + HERO), fill=PANEL)
    else:
        canvas.paste(_fit(card.hero, HERO), (MARGIN, MARGIN))
    _text(pen, card.title, card.lines)
    top = CARD_HEIGHT - MARGIN - TILE_ROWS * TILE - (TILE_ROWS - 1) * GAP
    for i, tile in enumerate(list(card.tiles)[: TILE_COLUMNS * TILE_ROWS]):
        row, column = divmod(i, TILE_COLUMNS)
        canvas.paste(_fit(tile, TILE), (TEXT_LEFT + column * (TILE + GAP), top + row * (TILE + GAP)))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG", compress_level=PNG_LEVEL)
    return buffer.getvalue()


def mosaic(pictures: Sequence[Image.Image], side: int = HERO, columns: int = 4) -> Image.Image | None:
    """Up to columns² pictures as one square grid (a layer's or a circuit's units), or None when there are none."""
    chosen = list(pictures)[: columns * columns]
    if not chosen:
        return None
    columns = min(columns, math.ceil(math.sqrt(len(chosen))))
    cell = (side - GAP * (columns - 1)) // columns
    grid = Image.new("RGB", (side, side), BACKGROUND)
    for i, picture in enumerate(chosen):
        row, column = divmod(i, columns)
        grid.paste(_fit(picture, cell), (column * (cell + GAP), row * (cell + GAP)))
    return grid


def open_pictures(paths: Sequence[Path | None]) -> list[Image.Image]:
    """The stored images at `paths` (None and missing files skipped), loaded in RGB."""
    pictures = []
    for path in paths:
        if path is not None and path.is_file():
            with Image.open(path) as picture:
                pictures.append(picture.convert("RGB"))
    return pictures


def unit_card(model: str, ref: str, label: str | None, vis: Path | None, examples: Sequence[Path]) -> bytes:
    """A unit's card: its feature visualization, its ref, model and label, and its top dataset examples."""
    hero = open_pictures([vis])
    lines = [model] + ([label] if label else [])
    return draw(Card(title=ref, lines=lines, hero=hero[0] if hero else None, tiles=open_pictures(examples)))


def _fit(picture: Image.Image, side: int) -> Image.Image:
    """The picture scaled to a `side`-pixel square (cropped to its centre square first)."""
    width, height = picture.size
    edge = min(width, height)
    box = ((width - edge) // 2, (height - edge) // 2, (width + edge) // 2, (height + edge) // 2)
    # Small images (a 32-pixel crop) keep their pixels visible; large ones are smoothed.
    resample = Image.Resampling.NEAREST if edge * 2 <= side else Image.Resampling.LANCZOS
    return picture.convert("RGB").resize((side, side), resample, box=box)


def _text(pen: ImageDraw.ImageDraw, title: str, lines: Sequence[str]) -> None:
    title_font, line_font = ImageFont.load_default(size=TITLE_SIZE), ImageFont.load_default(size=LINE_SIZE)
    pen.text((TEXT_LEFT, MARGIN), _clip(title, title_font), font=title_font, fill=INK)
    for i, line in enumerate(list(lines)[:3]):
        y = MARGIN + TITLE_SIZE + 24 + i * (LINE_SIZE + 10)
        pen.text((TEXT_LEFT, y), _clip(line, line_font), font=line_font, fill=MUTED)


def _clip(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """`text` shortened with an ellipsis to fit the text column."""
    if font.getlength(text) <= TEXT_WIDTH:
        return text
    while text and font.getlength(text + "…") > TEXT_WIDTH:
        text = text[:-1]
    return text + "…"
