"""A layer's thumbnails as one sheet: unit n in cell n, drawn from the stored thumbnails, and the weights page's
scatters cut every thumbnail from the two layers' sheets instead of fetching one file per unit."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.weights import sheet

BLOCK1 = "/models/toy-net/layers/block1/thumbnails.webp"


def _sheet(client: TestClient, url: str) -> np.ndarray:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=float)


def _thumbnail(client: TestClient, ref: str) -> np.ndarray:
    """The unit's stored thumbnail, scaled to a sheet's cell."""
    units = client.get("/api/v1/models/toy-net/layers/block1/weights").json()["svd"]["layer_units"]
    found = next(u["thumbnail"] for u in units if u["ref"] == ref)
    picture = Image.open(io.BytesIO(client.get(found).content)).convert("RGB").resize((sheet.CELL, sheet.CELL))
    return np.asarray(picture, dtype=float)


@pytest.mark.parametrize(("count", "columns", "rows"), [(1, 1, 1), (6, 3, 2), (512, 23, 23), (1024, 32, 32)])
def test_a_sheet_is_about_square_with_a_cell_for_every_unit(count: int, columns: int, rows: int) -> None:
    drawn = sheet.layout("m", "l", count)
    assert (drawn.columns, drawn.rows) == (columns, rows)
    assert drawn.size == (columns * sheet.CELL, rows * sheet.CELL)
    last = drawn.corner(count - 1)
    assert last[0] < drawn.size[0] and last[1] < drawn.size[1]


def test_a_layers_sheet_holds_each_units_stored_thumbnail_in_its_cell(client: TestClient) -> None:
    pixels = _sheet(client, BLOCK1)
    drawn = sheet.layout("toy-net", "block1", 6)
    assert pixels.shape == (drawn.size[1], drawn.size[0], 3)
    for unit in range(6):
        x, y = drawn.corner(unit)
        cell = pixels[y : y + sheet.CELL, x : x + sheet.CELL]
        assert np.abs(cell - _thumbnail(client, f"block1:{unit}")).mean() < 4  # WebP's loss only
    first, second = (pixels[y : y + sheet.CELL, x : x + sheet.CELL] for x, y in map(drawn.corner, (0, 1)))
    assert np.abs(first.mean((0, 1)) - second.mean((0, 1))).max() > 15  # toy units 0 and 1 differ by 20 in green


def test_a_sheet_is_cached_like_the_drawn_cards_and_a_bad_layer_gets_a_404_naming_the_layers(
    client: TestClient,
) -> None:
    assert client.get(BLOCK1).headers["cache-control"] == "public, max-age=86400"
    missing = client.get("/models/toy-net/layers/nope/thumbnails.webp")
    assert missing.status_code == 404 and "block1" in missing.text


def test_the_weights_page_cuts_every_thumbnail_from_the_two_layers_sheets(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/block1/weights").text
    hrefs = re.findall(r'<image href="([^"]+)"', html)
    assert len(hrefs) == 6 + 4  # block1's units and conv1's, each drawn once
    assert set(hrefs) == {BLOCK1, "/models/toy-net/layers/conv1/thumbnails.webp"}
    boxes = re.findall(r'<svg [^>]*viewBox="(\d+) (\d+) (\d+) \3"><image href="' + re.escape(BLOCK1), html)
    drawn = sheet.layout("toy-net", "block1", 6)
    assert [(int(x), int(y)) for x, y, _ in boxes] == [drawn.corner(u) for u in range(6)]
