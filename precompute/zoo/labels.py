"""Class-label files: one label per line, read from a file or downloaded and cached; placeholders when unavailable.

Class names make the logits' pages readable but nothing depends on them, so a label file that cannot be
downloaded only warns (weights, which everything depends on, fail instead).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .download import DownloadUnavailable, cache_dir, fetch

log = logging.getLogger(__name__)


class LabelsUnavailable(DownloadUnavailable):
    """A class-label file could not be downloaded."""


def placeholder_labels(count: int, start: int = 0) -> list[str]:
    """'class 0', 'class 1', … for classes without a name."""
    return [f"class {i}" for i in range(start, count)]


def read_labels(path: Path, count: int) -> list[str]:
    """The labels of a text file, one per line in class order, padded to `count` with placeholders.

    A blank line keeps its class's place (and gets a placeholder); ValueError when the file names more
    classes than the model has, since it then belongs to another model.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"labels file {str(path)!r} does not exist")
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > count:
        raise ValueError(f"labels file {str(path)!r} has {len(lines)} labels, but the model has {count} classes")
    labels = [line.strip() or f"class {i}" for i, line in enumerate(lines)]
    return labels + placeholder_labels(count, start=len(labels))


def fetch_labels(url: str, filename: str, *, model: str, count: int) -> list[str]:
    """The labels at `url` (downloaded once into `cache_dir()/labels`), or placeholders and a warning."""
    dest = cache_dir() / "labels" / filename

    def fail(reason: str) -> LabelsUnavailable:
        return LabelsUnavailable(f"cannot get the class labels of {model!r} from {url}: {reason}")

    try:
        return read_labels(fetch(url, filename, directory=dest.parent, fail=fail), count)
    except (DownloadUnavailable, ValueError) as error:
        log.warning(
            "%s; its %d classes are named 'class 0', 'class 1', …; pass --labels FILE (one name per line), "
            "or put the file at %s",
            error,
            count,
            dest,
        )
        return placeholder_labels(count)
