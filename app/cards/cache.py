"""Drawn link-preview cards kept as PNG files in a writable cache folder (MICROSCOPE_CACHE_DIR), across requests
and restarts; without one (or when it cannot be written) they are drawn per request and kept by the response cache
in memory only. Never the store's folder: the store is read-only media.

A file's name is the hash of what its picture is made from — the store's identity (its format version and database
file) and the card's address — so a rebuilt store never serves an old card, and a name is known before drawing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("microscope.app")


class CardCache:
    """The folder drawn cards are written to once and served from after, or None for memory only."""

    def __init__(self, folder: Path | None, store_version: str) -> None:
        self.folder = folder
        self.store_version = store_version

    def path_for(self, address: str) -> Path | None:
        """Where the card at `address` (its path and query) is kept, or None without a folder."""
        if self.folder is None:
            return None
        digest = hashlib.sha256(f"{self.store_version}\n{address}".encode()).hexdigest()
        return self.folder / f"{digest}.png"

    def card(self, address: str, draw: Callable[[], bytes]) -> Path | bytes:
        """The card's file when the folder has it or takes it, else its PNG drawn now (the folder unwritable)."""
        path = self.path_for(address)
        if path is not None and path.is_file():
            return path
        png = draw()
        if path is None:
            return png
        try:
            _write_atomically(path, png)
        except OSError as error:
            log.warning("card cache %s is not writable (%s); cards stay in memory only", self.folder, error)
            return png
        return path


def _write_atomically(path: Path, data: bytes) -> None:
    # Another worker may write the same card at once: each writes its own temporary file and renames it over.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".card-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
