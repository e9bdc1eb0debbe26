"""A small RAM disk (a tmpfs) for tests that fill a disk; mounting one needs root (CAP_SYS_ADMIN)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Tmpfs:
    """A mounted tmpfs whose size a test sets: smaller than a run needs to fill it, larger to free space."""

    path: Path

    def resize(self, size: int) -> None:
        """Set its size in bytes (it cannot shrink below what it holds)."""
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True, capture_output=True)

    def free(self) -> int:
        """Bytes free on it."""
        return shutil.disk_usage(self.path).free


@contextmanager
def mounted_tmpfs(path: Path, size: int) -> Iterator[Tmpfs]:
    """Mount a tmpfs of `size` bytes at `path` and unmount it afterwards, whatever happened; skip where not allowed."""
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("no mount/umount command: full-disk tests mount a small tmpfs")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): full-disk tests need root or CAP_SYS_ADMIN")
    try:
        yield Tmpfs(path)
    finally:
        # Lazy: a process a failed test left holding a file must not leave the mount behind.
        subprocess.run(["umount", "--lazy", str(path)], check=False, capture_output=True)
