"""Downloads (weights, class labels, image sets): once into a cache, failing fast and helpfully offline; state dicts."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
from torch import Tensor, nn

TIMEOUT_S = 10.0  # per connect/read: an unreachable host fails in seconds, not minutes
_HASH_IN_NAME = re.compile(r"-([0-9a-f]{8,64})\.")  # torch.hub convention: name-<sha256 prefix>.ext


class DownloadUnavailable(RuntimeError):
    """A file the microscope downloads (weights, labels, images) could not be had; the message says what to pass."""


class WeightsUnavailable(DownloadUnavailable):
    """The official weights could not be had; the message says to pass `--weights FILE` instead."""


def cache_dir() -> Path:
    """`$MICROSCOPE_CACHE`, else `~/.cache/microscope`."""
    return Path(os.environ.get("MICROSCOPE_CACHE") or Path.home() / ".cache" / "microscope")


def is_offline() -> bool:
    """True when `MICROSCOPE_OFFLINE` is set to anything but "", "0" or "false"."""
    return os.environ.get("MICROSCOPE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(model: str, url: str, dest: Path, reason: str) -> WeightsUnavailable:
    """The error raised whenever official weights cannot be downloaded."""
    return WeightsUnavailable(
        f"cannot get the weights of {model!r}: {reason}. They come from {url} ; download that file yourself "
        f"and pass it with --weights FILE (load_model({model!r}, weights=FILE) in Python), "
        f"or put it at {dest}"
    )


def fetch(
    url: str,
    filename: str,
    *,
    model: str = "",
    directory: Path | None = None,
    fail: Callable[[str], DownloadUnavailable] | None = None,
) -> Path:
    """The cached copy of `url` (under `directory`, default `cache_dir()/weights`), downloading it if needed.

    `fail(reason)` makes the error raised when it cannot be had (default: WeightsUnavailable for `model`).
    """
    dest = (directory or cache_dir() / "weights") / filename
    if dest.is_file():
        return dest
    fail = fail or partial(unavailable, model or filename, url, dest)
    if is_offline():
        raise fail("MICROSCOPE_OFFLINE is set")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{filename}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            shutil.copyfileobj(response, out, length=1 << 20)
        _check_hash(tmp, filename, fail)
        tmp.replace(dest)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise fail(f"download failed ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def hash_in_name(filename: str) -> str | None:
    """The sha256 prefix a release file name carries (`resnet20-12fca82f.th` → "12fca82f"), if any."""
    match = _HASH_IN_NAME.search(filename)
    return match.group(1) if match else None


def _check_hash(path: Path, filename: str, fail: Callable[[str], DownloadUnavailable]) -> None:
    prefix = hash_in_name(filename)
    if prefix and not sha256_file(path).startswith(prefix):
        raise fail(f"the downloaded file's sha256 does not start with {prefix}")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_state_dict(path: Path) -> dict[str, Tensor]:
    """A checkpoint's state dict on the CPU: a plain one or {"state_dict": ...}, DataParallel's `module.` dropped."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"weights file {str(path)!r} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a file that is not a checkpoint
        raise ValueError(f"weights file {str(path)!r} is not a readable torch checkpoint: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict) or not all(isinstance(v, Tensor) for v in data.values()):
        raise ValueError(f"weights file {str(path)!r} holds neither a state dict nor a dict with 'state_dict'")
    if data and all(k.startswith("module.") for k in data):
        data = {k.removeprefix("module."): v for k, v in data.items()}
    return data


def with_weights(build: Callable[[], nn.Module], state_dict: dict[str, Tensor], source: str) -> nn.Module:
    """`build()` with the state dict loaded strictly, skipping the random init where it can (meta device)."""
    with torch.device("meta"):
        module = build()
    state_dict = {k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()}
    try:
        module.load_state_dict(state_dict, strict=True, assign=True)
    except RuntimeError as exc:
        raise ValueError(f"weights {source!r} do not fit the architecture: {exc}") from exc
    if any(t.is_meta for t in [*module.parameters(), *module.buffers()]):
        module = build()  # non-persistent buffers are only ever set by __init__: build it for real
        module.load_state_dict(state_dict, strict=True)
    return module
