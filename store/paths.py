"""Where the content-addressed asset files live under a store's asset root."""

from __future__ import annotations

import re
from pathlib import Path

ASSETS_DIR = "assets"  # the asset root inside a store folder (the --store shorthand)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
ASSET_EXTENSIONS = ("png", "webp", "jpg", "npy")  # images, and weight tensors (store.tensors)


def asset_path(assets: Path, sha256: str, ext: str) -> Path:
    """The file under the asset root `assets` holding the asset with this content hash (two-level fan-out)."""
    return assets / asset_key(sha256, ext)


def asset_key(sha256: str, ext: str) -> str:
    """The asset's path relative to an asset root, `ab/ab….png`: the same on disk and on a static host."""
    if not is_asset_key(sha256, ext):
        raise ValueError(f"not an asset key: {sha256!r}.{ext}; expected 64 hex digits and one of {ASSET_EXTENSIONS}")
    return f"{sha256[:2]}/{sha256}.{ext}"


def is_asset_key(sha256: str, ext: str) -> bool:
    """Whether `sha256`.`ext` is a well-formed asset name."""
    return bool(_SHA256.match(sha256)) and ext in ASSET_EXTENSIONS
