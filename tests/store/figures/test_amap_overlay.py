"""Activation-map overlays: one cell per map value over the crop's own size, opacity from the unit's scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from store.figures.amap_overlay import MAX_OPACITY, NEGATIVE, POSITIVE, amap_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_cells_tile_the_crop_with_sign_colours_and_scaled_opacity() -> None:
    root = ET.fromstring(amap_svg([[2.0, -1.0], [0.0, 4.0]], 4.0, width=20, height=10))
    assert root.get("viewBox") == "0 0 20 10" and root.get("aria-hidden") == "true"
    cells = {(r.get("x"), r.get("y")): r for r in root.iter(f"{SVG}rect")}
    assert set(cells) == {("0.0", "0.0"), ("10.0", "0.0"), ("10.0", "5.0")}  # the zero cell is not drawn
    assert cells[("0.0", "0.0")].get("fill") == POSITIVE and cells[("10.0", "0.0")].get("fill") == NEGATIVE
    assert float(cells[("10.0", "5.0")].get("fill-opacity")) == MAX_OPACITY  # type: ignore[arg-type]
    assert float(cells[("0.0", "0.0")].get("fill-opacity")) == round(MAX_OPACITY / 2, 2)  # type: ignore[arg-type]


def test_no_map_draws_nothing() -> None:
    assert amap_svg(None, 1.0) == "" and amap_svg([], 1.0) == ""
