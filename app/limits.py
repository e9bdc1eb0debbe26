"""Every limit on what one request may ask of the service, declared once and enforced before the work it bounds.

Each limit is a setting, `MICROSCOPE_LIMIT_<NAME>` (e.g. `MICROSCOPE_LIMIT_UPLOAD_BYTES=20971520`), read at startup
with the other settings and listed in the README. A request over a limit is answered 413, 414, 422 or 429 with a
message naming the limit and its setting. The tour file's own limits (`notes.tour_file.TourLimits`: stops, nesting,
size) are part of this policy: `microscope tours import` enforces them too.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from notes.tour_file import TourLimits

KIB, MIB = 2**10, 2**20


class Limits(TourLimits):
    """What one request may send and ask for (the tour limits come from `TourLimits`)."""

    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_LIMIT_", frozen=True)

    # Bodies, checked against Content-Length before anything is read, then while reading, and before authentication.
    body_bytes: int = Field(16 * KIB, ge=0, description="a request body where the route declares no other limit")
    note_bytes: int = Field(64 * KIB, ge=1, description="a note, as JSON or from the unit page's form")
    upload_bytes: int = Field(10 * MIB, ge=1, description="an image uploaded to probe")
    json_depth: int = Field(32, ge=1, description="nesting of arrays and objects in a JSON body")
    # Uploaded images, checked from the header before any pixel is decoded.
    upload_pixels: int = Field(40_000_000, ge=1, description="width × height of an uploaded image")
    upload_frames: int = Field(64, ge=1, description="frames of an uploaded image (animated GIF, WebP, TIFF pages)")
    decodes: int = Field(2, ge=1, description="uploaded images decoded at once by one server process")
    decode_queue: int = Field(8, ge=0, description="uploads waiting for a decode; more are answered 429")
    # The address.
    query_bytes: int = Field(4 * KIB, ge=1, description="a URL's query string")
    search_chars: int = Field(200, ge=1, description="a search query")
