"""Uploaded images checked by decoding them (never by their declared type), framed as the model sees them, and
activation maps drawn over them. Everything stays in memory.

Limits (app/web/limits.py): `upload_bytes` of upload (413); `upload_pixels` and `upload_frames` read from the header
before any pixel is decoded (413: a 20,000 × 20,000 PNG of a few kilobytes is refused without allocating it); a
format Pillow decodes from FORMATS (415); and the whole image decoding (422 when truncated or corrupt). How many
decode at once is app/probe/decoding.py's.
"""

from __future__ import annotations

import base64
import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError
from starlette.exceptions import HTTPException

from app.web.limits import Limits, setting

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")  # never EPS and friends, which run external programs
ACCEPT = "image/png,image/jpeg,image/gif,image/webp,image/bmp,image/tiff"
VIEW_SIZE = 224  # pixels per side of the pictures on the results page
# Modes resized as they are, then converted: a 40-megapixel image is then held once at full size (160 MB), not twice.
RESIZED_AS_IS = ("RGB", "RGBA", "L", "LA")


@dataclass(frozen=True)
class CheckedImage:
    """An upload that decoded: the model's square input as PNG bytes, and what the upload turned out to be."""

    png: bytes  # RGB, size × size: the centre of the image, short side resized, as precompute frames its images
    size: int
    format: str  # what decoding found: PNG, JPEG …
    width: int
    height: int
    declared_type: str | None

    @property
    def note(self) -> str | None:
        """What the upload claimed to be when that was not what it is (the claim is ignored)."""
        found = Image.MIME.get(self.format, self.format)
        if self.declared_type and self.declared_type.lower() not in (found, "application/octet-stream"):
            return f"the upload said it was {self.declared_type}; decoding found a {self.format} image, used as such"
        return None


def check_image(data: bytes, declared_type: str | None, size: int, limits: Limits) -> CheckedImage:
    """The upload decoded and framed as a size×size RGB input; 413, 415 or 422 with a message otherwise."""
    if not data:
        raise HTTPException(
            422, "no image in the request: choose an image file (field `image`) or a dataset image (field `source`)"
        )
    if len(data) > limits.upload_bytes:
        raise HTTPException(413, f"upload of {len(data):,} bytes is over {_limit(limits, 'upload_bytes')}")
    claim = f" (it said it was {declared_type})" if declared_type else ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit applies below
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise HTTPException(415, f"not an image{claim}: upload a {', '.join(FORMATS)} file") from None
    except Image.DecompressionBombError as error:  # Pillow's own, higher limit: refused while reading the header
        found = re.search(r"\(([0-9]+) pixels\)", str(error))
        count = f"{int(found[1]):,} pixels" if found else "too many pixels"
        raise HTTPException(413, f"image of {count} is over {_limit(limits, 'upload_pixels')}") from None
    with image:
        check_header(image, limits)
        try:
            image.draft("RGB", (size, size))  # JPEG decodes at a fraction of its size when that is enough
            framed = frame_rgb(image, size)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise HTTPException(422, f"not a decodable image{claim}: {error}") from None
        return CheckedImage(encode(framed, "PNG"), size, image.format or "?", image.width, image.height, declared_type)


def check_header(image: Image.Image, limits: Limits) -> None:
    """413 when the header declares more pixels or frames than the limits allow (nothing is decoded yet)."""
    pixels = image.width * image.height
    if pixels > limits.upload_pixels:
        raise HTTPException(
            413,
            f"image of {image.width:,}×{image.height:,} = {pixels:,} pixels is over {_limit(limits, 'upload_pixels')}",
        )
    frames = getattr(image, "n_frames", 1)  # a count the format declares, or (GIF) its frames skipped, not decoded
    if frames > limits.upload_frames:
        raise HTTPException(413, f"image of {frames:,} frames is over {_limit(limits, 'upload_frames')}")


def _limit(limits: Limits, name: str) -> str:
    return f"the limit of {getattr(limits, name):,} ({setting(name)})"


def frame_rgb(image: Image.Image, size: int) -> Image.Image:
    """`frame` of the image as RGB; resized before converting where its mode allows, so that a large image is never
    held twice at full size."""
    if image.mode not in RESIZED_AS_IS:
        image = image.convert("L" if image.mode == "1" else "RGB")
    return frame(image, size).convert("RGB")


def frame(image: Image.Image, size: int) -> Image.Image:
    """Short side resized to `size`, centre-cropped: the framing of precompute's dataset images."""
    scale = min(image.width, image.height) / size
    left, top = (image.width - size * scale) / 2, (image.height - size * scale) / 2
    if image.size == (size, size):
        return image
    return image.resize(
        (size, size), Image.Resampling.BILINEAR, box=(left, top, left + size * scale, top + size * scale)
    )


def spotlight(png: bytes, amap: list[list[float]]) -> str:
    """The image dimmed where the map is low and bright at its peak, as a data: URL (JPEG) for the results page."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB").resize((VIEW_SIZE, VIEW_SIZE), Image.Resampling.BILINEAR)
    values = np.clip(np.asarray(amap, dtype=np.float32), 0, None)
    peak = float(values.max()) if values.size else 0.0
    scaled = (values / peak * 255) if peak > 0 else np.zeros_like(values)
    mask = Image.fromarray(scaled.astype(np.uint8), "L").resize((VIEW_SIZE, VIEW_SIZE), Image.Resampling.BILINEAR)
    dimmed = Image.eval(image, lambda v: v // 5)
    return data_url(Image.composite(image, dimmed, mask), "JPEG")


def view(png: bytes) -> str:
    """The model's input at the results page's size, as a data: URL."""
    with Image.open(io.BytesIO(png)) as opened:
        return data_url(opened.convert("RGB").resize((VIEW_SIZE, VIEW_SIZE), Image.Resampling.BILINEAR), "PNG")


def encode(image: Image.Image, fmt: str) -> bytes:
    """The image's bytes in `fmt`."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def data_url(image: Image.Image, fmt: str) -> str:
    """`data:image/…;base64,…` (the pages' CSP allows data: images, and nothing uploaded is stored)."""
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(encode(image, fmt)).decode()}"
