"""How a unit page's figures are kept in the store (one zlib-compressed JSON document per unit), and read back.

Compressed, a unit's figures take about a tenth of their 100–300 kB of SVG. Reading checks what it hands the page,
which inlines the SVG unescaped: the version must be the one this code draws (older figures are drawn afresh
instead), and every tag and attribute must be one the figures draw, so a store from elsewhere cannot put links,
scripts or styles into a page. Anything else reads as no figures at all.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from markupsafe import Markup

from store.figures.tuning import TuningPlot
from store.figures.unit import FIGURES_VERSION, EdgeFigures, UnitFigures

# Everything store.figures draws for a unit page, and nothing that can link, load, run or style.
TAGS = frozenset({"svg", "g", "rect", "line", "circle", "polyline", "polygon", "path", "text", "title"})
ATTRIBUTES = frozenset(
    {
        *("xmlns", "class", "role", "aria-label", "aria-hidden", "focusable", "width", "height", "viewBox"),
        *("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "points", "d", "transform", "text-anchor"),
        *("fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "font-family", "font-size"),
    }
)
_NAMES = "|".join(sorted(TAGS, key=len, reverse=True))
_KEYS = "|".join(sorted(ATTRIBUTES, key=len, reverse=True))
# Text without '<', and tags of TAGS with name="value" pairs of ATTRIBUTES: one pass of the regex engine.
_PLAIN_SVG = re.compile(rf'(?:[^<]++|<(?:/(?:{_NAMES})|(?:{_NAMES})(?:\s++(?:{_KEYS})="[^"<>]*+")*+\s*+/?)>)*+')
COMPRESSION = 6  # zlib's level: as small as level 9 within a few per cent, several times faster to write


def pack(figures: UnitFigures) -> bytes:
    """The figures as the store keeps them."""
    text = json.dumps(
        {
            "version": FIGURES_VERSION,
            "tuning": [[plot.title, plot.svg, plot.caption] for plot in figures.tuning],
            "histogram": figures.histogram,
            "amaps": figures.amaps,
            "inputs": [figures.inputs.scale, figures.inputs.top, figures.inputs.cells],
            "outputs": [figures.outputs.scale, figures.outputs.top, figures.outputs.cells],
        },
        separators=(",", ":"),
    )
    return zlib.compress(text.encode(), COMPRESSION)


def unpack(data: bytes | None) -> UnitFigures | None:
    """The stored figures, or None when there are none, they are of another version or hold anything unexpected."""
    if not data:
        return None
    try:
        kept = json.loads(zlib.decompress(data))
        if kept.get("version") != FIGURES_VERSION:
            return None
        figures = UnitFigures(
            tuning=[TuningPlot(str(title), _svg(svg), str(caption)) for title, svg, caption in kept["tuning"]],
            histogram=_svg(kept["histogram"]) if kept["histogram"] is not None else None,
            amaps={str(key): _svg(svg) for key, svg in kept["amaps"].items()},
            inputs=_edges(kept["inputs"]),
            outputs=_edges(kept["outputs"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError, zlib.error):
        return None
    return figures


def _edges(kept: Any) -> EdgeFigures:
    scale, top, cells = kept
    return EdgeFigures(float(scale), float(top), {str(ref): _svg(svg) for ref, svg in cells.items()})


def _svg(text: Any) -> Markup:
    """`text` marked safe to inline, after checking it; ValueError when it is not plain SVG of these figures."""
    if not isinstance(text, str) or not is_plain_svg(text):
        raise ValueError("not a figure")
    return Markup(text)


def is_plain_svg(text: str) -> bool:
    """Whether `text` is made only of the tags and attributes in TAGS and ATTRIBUTES (and text without markup)."""
    return _PLAIN_SVG.fullmatch(text) is not None
