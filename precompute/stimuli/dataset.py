"""Balanced, seeded streams of the world's stimuli and their on-disk class-folder dataset (PNGs + factors.jsonl)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from precompute.stimuli.render import Stimulus
from precompute.stimuli.world import CLASS_NAMES, CLASSES

# Bump whenever a change alters the pixels or factors a seed produces: datasets written by an older version rebuild.
GENERATOR_VERSION = "3"

MANIFEST = "manifest.json"
FACTORS = "factors.jsonl"


def stimulus_at(index: int, seed: int, size: int = 64) -> Stimulus:
    """The index-th stimulus of the seed's stream: class index % len(CLASSES), its own rng from (seed, index)."""
    # One generator per image (not one per stream) so any single image can be regenerated from (seed, index).
    return CLASSES[index % len(CLASSES)].draw(np.random.default_rng([seed, index]), size)


def sample(count: int, seed: int, size: int = 64) -> Iterator[Stimulus]:
    """count stimuli, round-robin over the classes so every class is equally represented; deterministic in seed."""
    for index in range(count):
        yield stimulus_at(index, seed, size)


def image_path(label: str, index: int) -> str:
    """Where the index-th image of a class lives, relative to the dataset root."""
    return f"{label}/{label}-{index:05d}.png"


def _manifest(per_class: int, seed: int, size: int) -> dict[str, object]:
    return {
        "per_class": per_class,
        "seed": seed,
        "size": size,
        "generator_version": GENERATOR_VERSION,
        "classes": list(CLASS_NAMES),
    }


def _is_complete(root: Path, expected: dict[str, object]) -> bool:
    """True when root holds a finished dataset with exactly these settings (manifest is written last)."""
    try:
        if json.loads((root / MANIFEST).read_text()) != expected:
            return False
    except (OSError, ValueError):
        return False
    per_class = expected["per_class"]
    return (root / FACTORS).is_file() and all(
        len(list((root / label).glob("*.png"))) == per_class for label in CLASS_NAMES
    )


def _clear(root: Path) -> None:
    """Remove what an earlier (partial or different) dataset left, and only that."""
    (root / MANIFEST).unlink(missing_ok=True)
    (root / FACTORS).unlink(missing_ok=True)
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.is_dir() and all(path.suffix == ".png" for path in folder.iterdir()):  # an earlier world's too
            shutil.rmtree(folder, ignore_errors=True)


def _write_one(root: Path, index: int, seed: int, size: int) -> dict[str, object]:
    """Render and save the index-th image of the stream; return its factors.jsonl record."""
    stimulus = stimulus_at(index, seed, size)
    source = image_path(stimulus.label, index // len(CLASSES))
    stimulus.image.save(root / source)
    record = {"source": source, "class": stimulus.label, "pattern": stimulus.pattern, "seed": seed, "index": index}
    return record | {"factors": stimulus.factors}


def write_dataset(root: Path, per_class: int, seed: int, size: int = 64, progress: bool = True) -> Path:
    """Write per_class images of every class under root/<class>/ plus factors.jsonl; skip if already there."""
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}")
    root = Path(root)
    expected = _manifest(per_class, seed, size)
    if _is_complete(root, expected):
        return root
    _clear(root)
    for label in CLASS_NAMES:
        (root / label).mkdir(parents=True, exist_ok=True)
    total = per_class * len(CLASSES)
    records = root / f".{FACTORS}.partial"
    # Threads, not processes: PIL and numpy drop the GIL for the heavy parts (resampling, PNG deflate), and threads
    # are safe whatever the caller has already loaded (forking a process that holds torch is not).
    with records.open("w") as lines, ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        written = pool.map(lambda index: _write_one(root, index, seed, size), range(total), chunksize=16)
        for record in tqdm(written, total=total, desc=f"stimuli → {root}", unit="img", disable=not progress):
            lines.write(json.dumps(record) + "\n")
    os.replace(records, root / FACTORS)
    (root / MANIFEST).write_text(json.dumps(expected, indent=2) + "\n")
    return root
