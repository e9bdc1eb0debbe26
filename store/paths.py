"""Where things live inside a store folder: the database and the content-addressed asset files."""

from __future__ import annotations

import re
from pathlib import Path

DATABASE_NAME = "microscope.sqlite"
ASSETS_DIR = "assets"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
ASSET_EXTENSIONS = ("png", "webp", "jpg")


def database_path(root: Path) -> Path:
    """The SQLite file of the store at `root`."""
    return root / DATABASE_NAME


def asset_path(root: Path, sha256: str, ext: str) -> Path:
    """The file holding the asset with this content hash (two-level fan-out keeps folders small)."""
    if not is_asset_key(sha256, ext):
        raise ValueError(f"not an asset key: {sha256!r}.{ext}; expected 64 hex digits and one of {ASSET_EXTENSIONS}")
    return root / ASSETS_DIR / sha256[:2] / f"{sha256}.{ext}"


def is_asset_key(sha256: str, ext: str) -> bool:
    """Whether `sha256`.`ext` is a well-formed asset name."""
    return bool(_SHA256.match(sha256)) and ext in ASSET_EXTENSIONS
