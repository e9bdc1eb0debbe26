"""A layer's thumbnails as one image (a sheet): unit n in cell n, row by row, so that a page drawing hundreds of units
(the weights page's SVD scatters) fetches one small file instead of one 256-pixel picture per unit.

Drawn on the first request from the stored thumbnails and kept by the response cache (app.web.cache keeps every
`image/` 200, and answers concurrent first requests once); never written into the store, which is read-only media.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app import routes, urls

CELL = 36  # pixels per thumbnail: twice the 18 px a scatter of 129–512 units draws, sharp on a 2× screen
BACKGROUND = (255, 255, 255)  # the cell of a unit without a stored thumbnail
QUALITY = 85  # WebP quality: 512 units make about 220 kB
MEDIA_TYPE = "image/webp"


@dataclass(frozen=True)
class SheetLayout:
    """Where each of a layer's `count` units sits on its sheet: `columns` cells of `cell` pixels a row."""

    url: str
    count: int
    cell: int = CELL

    @property
    def columns(self) -> int:
        return max(1, math.ceil(math.sqrt(self.count)))

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))

    @property
    def size(self) -> tuple[int, int]:
        """The sheet's width and height in pixels."""
        return self.columns * self.cell, self.rows * self.cell

    def corner(self, unit: int) -> tuple[int, int]:
        """The top-left pixel of unit `unit`'s cell."""
        row, column = divmod(unit, self.columns)
        return column * self.cell, row * self.cell


def layout(model_id: str, layer: str, count: int) -> SheetLayout:
    """The sheet of a layer of `count` units, at its address."""
    return SheetLayout(urls.path(routes.LAYER_THUMBNAILS, model=model_id, layer=layer), count)


def draw(sheet: SheetLayout, thumbnails: Sequence[tuple[int, Path | None]]) -> bytes:
    """The sheet as WebP: each (unit, file) scaled into its cell (centre square), blank where the file is missing."""
    image = Image.new("RGB", sheet.size, BACKGROUND)
    for unit, path in thumbnails:
        if path is None or not 0 <= unit < sheet.count:
            continue
        with Image.open(path) as picture:
            width, height = picture.size
            edge = min(width, height)
            left, top = (width - edge) // 2, (height - edge) // 2
            square = picture.convert("RGB").crop((left, top, left + edge, top + edge))
        image.paste(
            square.resize((sheet.cell, sheet.cell), Image.Resampling.LANCZOS, reducing_gap=2.0), sheet.corner(unit)
        )
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()
