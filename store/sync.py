"""Copy a store's content-addressed asset files to a folder a static host serves (`microscope assets sync`).

Files keep their keys (`ab/ab….png`), the paths `--asset-base-url` expects. A file is named by the sha256 of its
bytes, so one already at the destination with that hash is skipped, and a copy is checked against its name. Each
copy is written to a temporary file beside its target and renamed over it: an interrupted sync leaves no partial
file under an asset's name, and the next sync removes its leftovers.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from store.paths import asset_key, is_asset_key

PARTIAL_PREFIX = ".partial-"  # a copy in progress; never a valid asset name, so no host link reaches one
CHUNK = 1 << 20


@dataclass(frozen=True)
class AssetFile:
    """One content-addressed file under an asset root."""

    sha256: str
    ext: str
    path: Path
    size: int

    @property
    def key(self) -> str:
        """Its path relative to any asset root."""
        return asset_key(self.sha256, self.ext)


@dataclass
class SyncSummary:
    """What a sync did: files copied (and their bytes), files already there, leftovers of an interrupted sync."""

    copied: int = 0
    skipped: int = 0
    bytes_copied: int = 0
    partials_removed: int = 0

    def describe(self, dest: Path) -> str:
        """One line for the command line."""
        line = f"copied {self.copied} files ({self.bytes_copied} bytes), skipped {self.skipped} already in {dest}"
        return line + (f"; removed {self.partials_removed} partial files" if self.partials_removed else "")


class AssetMismatch(ValueError):
    """A source file's bytes do not hash to its name: the store is damaged (`microscope check --hashes`)."""


def asset_files(assets: Path) -> list[AssetFile]:
    """Every content-addressed file under the asset root `assets`, by key (other files are not assets)."""
    if not assets.is_dir():
        raise FileNotFoundError(
            f"no asset folder at {assets}; name a store with --store DIR, or its assets with --assets"
        )
    found = []
    for path in assets.glob("*/*"):
        sha, _, ext = path.name.partition(".")
        if is_asset_key(sha, ext) and path.parent.name == sha[:2] and path.is_file():
            found.append(AssetFile(sha, ext, path, path.stat().st_size))
    return sorted(found, key=lambda f: f.key)


def sync_assets(
    assets: Path, dest: Path, files: list[AssetFile] | None = None, advance: Callable[[int], None] | None = None
) -> SyncSummary:
    """Copy `files` (default: every asset under `assets`) into `dest` by key; `advance(n)` after each file."""
    if dest.resolve() == assets.resolve():
        raise ValueError(f"{dest} is the store's asset folder itself; name another folder to sync into")
    files = asset_files(assets) if files is None else files
    summary = SyncSummary(partials_removed=_remove_partials(dest))
    for file in files:
        target = dest / file.key
        if _holds(target, file):
            summary.skipped += 1
        else:
            _copy(file, target)
            summary.copied += 1
            summary.bytes_copied += file.size
        if advance is not None:
            advance(1)
    return summary


def _holds(target: Path, file: AssetFile) -> bool:
    """Whether `target` already holds the asset: the right size, and bytes that hash to its name."""
    if not target.is_file() or target.stat().st_size != file.size:
        return False
    digest = hashlib.sha256()
    for chunk in _chunks(target):
        digest.update(chunk)
    return digest.hexdigest() == file.sha256


def _copy(file: AssetFile, target: Path) -> None:
    """Copy through a temporary file beside `target`, checked against the name, then renamed over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as handle:
            for chunk in _chunks(file.path):
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != file.sha256:
            raise AssetMismatch(f"{file.path} does not hash to its name; run `microscope check --hashes` on the store")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a static server runs as another user
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _remove_partials(dest: Path) -> int:
    """Delete temporary files a killed sync left in `dest`'s fan-out folders; how many there were."""
    leftovers = list(dest.glob(f"*/{PARTIAL_PREFIX}*")) if dest.is_dir() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)
