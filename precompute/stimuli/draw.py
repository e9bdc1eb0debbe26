"""Drawing helpers shared by the stimulus patterns: anti-aliased masks, backgrounds, colours, compositing.

Images are built as float arrays in [0, 1]: a gray "level" field (H×W) or an RGB field (H×W×3), then turned into
a PIL image once at the end. Shapes are drawn at SUPERSAMPLE× and shrunk with LANCZOS, which anti-aliases them.
"""

from __future__ import annotations

import colorsys
import functools
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 4
# ITU-R 601 luma weights: the same ones PIL uses for convert("L"), so "equal luminance" means equal there too.
LUMA = np.array([0.299, 0.587, 0.114])

Points = np.ndarray  # (N, 2) array of (x, y) in fractions of the image side, y pointing down


def unit(angle_deg: float) -> np.ndarray:
    """The unit vector at a factor angle (counter-clockwise, 0 = right) in image coordinates (y down)."""
    a = np.deg2rad(angle_deg)
    return np.array([np.cos(a), -np.sin(a)])


def stroke_mask(paths: Sequence[Points], width: float, size: int) -> np.ndarray:
    """Coverage in [0, 1] (size×size) of polylines drawn with round joints and caps, anti-aliased."""
    big = size * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    pen = ImageDraw.Draw(canvas)
    px = max(1.0, width * big)
    for path in paths:
        xy = [(float(x), float(y)) for x, y in path * big]
        # Paths are dense enough (a few degrees a vertex) that plain joints leave no visible notch; "curve" joints
        # cost 20× more.
        pen.line(xy, fill=255, width=round(px))
        for x, y in (xy[0], xy[-1]):
            pen.ellipse((x - px / 2, y - px / 2, x + px / 2, y + px / 2), fill=255)
    return shrink(np.asarray(canvas, dtype=np.float32) / 255.0, size)


def shrink(field: np.ndarray, size: int) -> np.ndarray:
    """A supersampled float field (H×W) reduced to size×size with LANCZOS, clipped back to [0, 1]."""
    small = Image.fromarray(field.astype(np.float32), mode="F").resize((size, size), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(small), 0.0, 1.0)


@functools.lru_cache(maxsize=8)
def grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (x, y) of a size×size image, as fractions of the side (cached, read-only)."""
    centres = (np.arange(size, dtype=np.float32) + 0.5) / size
    x, y = np.meshgrid(centres, centres)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def background(factors: Mapping[str, object], rng: np.random.Generator, size: int) -> np.ndarray:
    """The gray background level field: flat, a gentle linear gradient, or mild pixel noise."""
    level = float(factors.get("background_level", 0.5))  # type: ignore[arg-type]
    kind = factors["background"]
    field = np.full((size, size), level, dtype=np.float32)
    slope_angle, slope, noise = rng.uniform(0, 360), rng.uniform(0.1, 0.25), rng.standard_normal((size, size))
    if kind == "gradient":
        x, y = grid(size)
        direction = unit(slope_angle)
        field += slope * ((x - 0.5) * direction[0] + (y - 0.5) * direction[1])
    elif kind == "noise":
        field += 0.035 * noise.astype(np.float32)
    return np.clip(field, 0.0, 1.0)


def chroma_direction(hue: float) -> np.ndarray:
    """An RGB offset of zero luma pointing towards a hue (degrees): adding it changes colour, not brightness."""
    rgb = np.array(colorsys.hsv_to_rgb((hue % 360.0) / 360.0, 1.0, 1.0))
    return rgb - float(rgb @ LUMA)


def max_chroma(levels: np.ndarray | float, direction: np.ndarray) -> np.ndarray:
    """Largest multiple of direction that keeps gray level(s) + that offset inside the RGB cube."""
    levels = np.asarray(levels, dtype=np.float32)[..., None]
    up = np.where(direction > 1e-6, (1.0 - levels) / np.maximum(direction, 1e-6), np.inf)
    down = np.where(direction < -1e-6, levels / np.maximum(-direction, 1e-6), np.inf)
    return np.minimum(up, down).min(axis=-1)


def equiluminant(hue: float, luminance: float, saturation: float) -> np.ndarray:
    """The RGB colour of a hue at a given luma, with `saturation` of the most chroma the gamut allows there."""
    direction = chroma_direction(hue)
    return luminance + saturation * float(max_chroma(luminance, direction)) * direction


def colourize(levels: np.ndarray, hue: float, saturation: float) -> np.ndarray:
    """Tint a gray level field with a hue without changing its luma (per-pixel gamut limit)."""
    direction = chroma_direction(hue)
    amount = saturation * max_chroma(levels, direction)
    return np.clip(levels[..., None] + amount[..., None] * direction, 0.0, 1.0)


def gray(levels: np.ndarray) -> np.ndarray:
    """A gray level field as RGB with R = G = B."""
    return np.repeat(levels[..., None], 3, axis=-1)


def to_image(rgb: np.ndarray) -> Image.Image:
    """A float RGB field in [0, 1] as an 8-bit PIL RGB image."""
    return Image.fromarray(np.round(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8), mode="RGB")
