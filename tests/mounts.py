"""Read-only media for root too: a command run in a private mount namespace where a folder is a read-only bind mount.

Tests run as root, and root ignores permission bits (`chmod a-w` proves nothing); a read-only mount binds root too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_READ_ONLY = 'mount --bind -o ro "$0" "$0" && exec "$@"'


def on_read_only_mount(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run `command` (from the repository) where `root` is mounted read-only, for root too (`unshare -rm`)."""
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", _READ_ONLY, str(root), *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )


def require_read_only_mounts(probe: Path) -> None:
    """Skip unless this sandbox lets a test bind-mount a folder read-only (so that not even root can write it)."""
    done = on_read_only_mount(probe, "sh", "-c", f"! touch {probe}/written 2>/dev/null")
    if done.returncode != 0 or (probe / "written").exists():
        pytest.skip(f"no read-only bind mounts here (unshare -rm: {done.stderr.strip()[:200]})")
