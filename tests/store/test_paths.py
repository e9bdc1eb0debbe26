"""Asset keys map onto a two-level fan-out under assets/; malformed keys never become paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from store.paths import ASSET_EXTENSIONS, ASSETS_DIR, asset_key, asset_path, is_asset_key

SHA = hashlib.sha256(b"pixels").hexdigest()


def test_asset_path_fans_out_by_the_first_two_hex_digits() -> None:
    assert asset_path(Path("/s") / ASSETS_DIR, SHA, "png") == Path("/s/assets") / SHA[:2] / f"{SHA}.png"
    assert asset_key(SHA, "png") == f"{SHA[:2]}/{SHA}.png"  # the same relative path on a static host


@pytest.mark.parametrize("ext", ASSET_EXTENSIONS)
def test_asset_path_accepts_every_known_extension(ext: str) -> None:
    assert asset_path(Path("/s"), SHA, ext).suffix == f".{ext}"


@pytest.mark.parametrize(
    "sha",
    [SHA[:-1], SHA + "0", SHA.upper(), "g" * 64, "", "../../etc/passwd", "ab/" + SHA[3:]],
)
def test_asset_path_rejects_malformed_sha(sha: str) -> None:
    assert not is_asset_key(sha, "png")
    with pytest.raises(ValueError, match="64 hex digits"):
        asset_path(Path("/s"), sha, "png")


@pytest.mark.parametrize("ext", ["exe", "PNG", ".png", "", "png/../x", "gif"])
def test_asset_path_rejects_unknown_extension(ext: str) -> None:
    assert not is_asset_key(SHA, ext)
    with pytest.raises(ValueError, match="png"):
        asset_path(Path("/s"), SHA, ext)
