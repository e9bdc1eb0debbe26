"""Every limit on what one request may ask of the service, declared once and enforced before the work it bounds.

Each limit is a setting, `MICROSCOPE_LIMIT_<NAME>` (e.g. `MICROSCOPE_LIMIT_UPLOAD_BYTES=20971520`), read at startup
with the other settings and listed in docs/serving.md ("Limits"). A request over a limit is answered 413, 414, 422 or
429 with a message naming the limit and its setting. The tour file's own limits (`notes.tour_file.TourLimits`: stops,
nesting, size) are part of this policy: `microscope tours import` enforces them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from starlette.routing import compile_path

from app import routes
from notes.tour_file import TourLimits

KIB, MIB = 2**10, 2**20


class Limits(TourLimits):
    """What one request may send and ask for (the tour limits come from `TourLimits`)."""

    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_LIMIT_", frozen=True)

    # Bodies, checked against Content-Length before anything is read, then while reading, and before authentication.
    body_bytes: int = Field(16 * KIB, ge=0, description="a request body where the route declares no other limit")
    # Every valid note (200 + 20,000 characters) fits, even with each character escaped in JSON (up to 12 bytes).
    note_bytes: int = Field(256 * KIB, ge=1, description="a note, as JSON or from the unit page's form")
    upload_bytes: int = Field(10 * MIB, ge=1, description="an image uploaded to probe")
    tensor_bytes: int = Field(4 * MIB, ge=1, description="a .npy tensor of weights uploaded to rebuild units with")
    json_depth: int = Field(32, ge=1, description="nesting of arrays and objects in a JSON body")
    # Uploaded images, checked from the header before any pixel is decoded.
    upload_pixels: int = Field(40_000_000, ge=1, description="width × height of an uploaded image")
    upload_frames: int = Field(64, ge=1, description="frames of an uploaded image (animated GIF, WebP, TIFF pages)")
    decodes: int = Field(2, ge=1, description="uploaded images decoded at once by one server process")
    decode_queue: int = Field(8, ge=0, description="uploads waiting for a decode; more are answered 429")
    # The address and the headers.
    head_bytes: int = Field(64 * KIB, ge=1024, description="a request's line and headers together (431 beyond)")
    query_bytes: int = Field(4 * KIB, ge=1, description="a URL's query string")
    search_chars: int = Field(200, ge=1, description="a search query")


@dataclass(frozen=True)
class BodyLimit:
    """A route's body limit: a `Limits` field, scaled for a form's encoding, plus room for a form's other fields."""

    field: str
    scale: int = 1  # a urlencoded form spends up to 3 bytes (%XX) on each byte of its text
    overhead: int = 0  # a form's boundaries, part headers and small fields beside the text or file

    def size(self, limits: Limits) -> int:
        """The most bytes a body may have here."""
        return getattr(limits, self.field) * self.scale + self.overhead

    def setting(self) -> str:
        """The environment variable that sets this limit."""
        return setting(self.field)

    def explain(self, limits: Limits) -> str:
        """What the limit bounds and how it is made, e.g. 'a note … (MICROSCOPE_LIMIT_NOTE_BYTES=65,536, ×3 …)'."""
        parts = [f"{self.setting()}={getattr(limits, self.field):,}"]
        if self.scale > 1:
            parts.append(f"×{self.scale} as a form encodes it")
        if self.overhead:
            parts.append(f"plus {self.overhead:,} for the form's other fields")
        return f"{describe(self.field)} ({', '.join(parts)})"


def setting(field: str) -> str:
    """The environment variable of a `Limits` field, e.g. `MICROSCOPE_LIMIT_NOTE_BYTES`."""
    return f"MICROSCOPE_LIMIT_{field.upper()}"


def describe(field: str) -> str:
    """What a `Limits` field bounds, in words."""
    return Limits.model_fields[field].description or field


FORM_FIELDS = 16 * KIB  # a form's CSRF token, names and boundaries beside the text or file it carries
UPLOAD_FORM = 64 * KIB  # the probe form's layer, unit, top and boundaries beside the image
DEFAULT_BODY = BodyLimit("body_bytes")
# Every route that takes more than `body_bytes` (app/routes.py); any other request's body is `body_bytes`.
BODIES: dict[routes.Route, BodyLimit] = {
    routes.API_UNIT_NOTE: BodyLimit("note_bytes"),
    routes.UNIT_NOTE: BodyLimit("note_bytes", 3, FORM_FIELDS),
    routes.API_TOUR: BodyLimit("tour_bytes"),
    routes.TOURS: BodyLimit("tour_bytes", 3, FORM_FIELDS),
    routes.API_PROBE: BodyLimit("upload_bytes", 1, UPLOAD_FORM),
    routes.PROBE: BodyLimit("upload_bytes", 1, UPLOAD_FORM),
    routes.API_EXPERIMENT_TENSOR: BodyLimit("tensor_bytes", 1, UPLOAD_FORM),
    routes.EXPERIMENT_TENSOR: BodyLimit("tensor_bytes", 1, UPLOAD_FORM),
}
_BODY_PATHS = [(compile_path(route.path)[0], limit) for route, limit in BODIES.items()]


def body_limit(path: str) -> BodyLimit:
    """The body limit of the route at `path` (`body_bytes` unless `BODIES` names the route)."""
    return next((limit for pattern, limit in _BODY_PATHS if pattern.match(path)), DEFAULT_BODY)
