"""Content-addressed files (images, and weight tensors as .npy), cached forever since a name never changes its bytes.

A tensor can be tens of megabytes: it is sent as `application/octet-stream`, a type the response cache
(app.web.cache) never keeps, so it streams from disk, and with `Content-Disposition: attachment`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app import routes
from app.deps import Reader
from app.web.errors import NotFound
from app.web.handler_route import HandlerRoute
from store.paths import ASSET_EXTENSIONS

router = APIRouter(tags=["assets"], route_class=HandlerRoute)

IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg", "npy": "application/octet-stream"}
DOWNLOADS = {"npy"}  # saved rather than shown: a browser offers the file
# Assets live outside /api, so their errors are HTML pages like the site's (app.web.errors), not JSON.
NOT_FOUND = {
    "description": "No such asset: an HTML page naming the extensions assets have",
    "content": {"text/html": {"schema": {"type": "string"}}},
}
INVALID = {"description": "Unprocessable path: an HTML page saying why"}


@router.get(
    routes.ASSET.path,
    name=routes.ASSET.name,
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}, 404: NOT_FOUND, 422: NOT_FOUND | INVALID},
)
def get_asset(reader: Reader, sha256: str, ext: str) -> FileResponse:
    """The file (an image, or a weight tensor's .npy) whose bytes hash to `sha256`."""
    path = reader.asset_file(sha256, ext)
    if path is None:
        kinds = ", ".join(ASSET_EXTENSIONS)
        raise NotFound(f"no asset {sha256}.{ext}; assets are named by the sha256 of their bytes and one of {kinds}")
    media_type = MEDIA_TYPES.get(ext, "application/octet-stream")
    headers = {"Cache-Control": IMMUTABLE}
    if ext in DOWNLOADS:
        headers["Content-Disposition"] = f'attachment; filename="{sha256}.{ext}"'
    return FileResponse(path, media_type=media_type, headers=headers)
