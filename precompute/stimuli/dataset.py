"""Balanced, seeded streams of stimuli and their on-disk class-folder dataset (PNG files + factors.jsonl)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from precompute.stimuli.factors import FAMILIES
from precompute.stimuli.render import Stimulus, generate

# Bump whenever a change alters the pixels or factors a seed produces: datasets written by an older version rebuild.
GENERATOR_VERSION = "2"

MANIFEST = "manifest.json"
FACTORS = "factors.jsonl"


def stimulus_at(index: int, seed: int, size: int = 64) -> Stimulus:
    """The index-th stimulus of the seed's stream: family index % len(FAMILIES), its own rng from (seed, index)."""
    # One generator per image (not one per stream) so any single image can be regenerated from (seed, index).
    return generate(FAMILIES[index % len(FAMILIES)], np.random.default_rng([seed, index]), size)


def sample(count: int, seed: int, size: int = 64) -> Iterator[Stimulus]:
    """count stimuli, round-robin over FAMILIES so every family is equally represented; deterministic in seed."""
    for index in range(count):
        yield stimulus_at(index, seed, size)


def image_path(family: str, index: int) -> str:
    """Where the index-th image of a family lives, relative to the dataset root."""
    return f"{family}/{family}-{index:05d}.png"


def _manifest(per_family: int, seed: int, size: int) -> dict[str, object]:
    return {
        "per_family": per_family,
        "seed": seed,
        "size": size,
        "generator_version": GENERATOR_VERSION,
        "families": list(FAMILIES),
    }


def _is_complete(root: Path, expected: dict[str, object]) -> bool:
    """True when root holds a finished dataset with exactly these settings (manifest is written last)."""
    try:
        if json.loads((root / MANIFEST).read_text()) != expected:
            return False
    except (OSError, ValueError):
        return False
    per_family = expected["per_family"]
    return (root / FACTORS).is_file() and all(
        len(list((root / family).glob("*.png"))) == per_family for family in FAMILIES
    )


def _clear(root: Path) -> None:
    """Remove what an earlier (partial or different) dataset left, and only that."""
    (root / MANIFEST).unlink(missing_ok=True)
    (root / FACTORS).unlink(missing_ok=True)
    for family in FAMILIES:
        shutil.rmtree(root / family, ignore_errors=True)


def _write_one(root: Path, index: int, seed: int, size: int) -> dict[str, object]:
    """Render and save the index-th image of the stream; return its factors.jsonl record."""
    stimulus = stimulus_at(index, seed, size)
    source = image_path(stimulus.family, index // len(FAMILIES))
    stimulus.image.save(root / source)
    return {"source": source, "family": stimulus.family, "seed": seed, "index": index, "factors": stimulus.factors}


def write_dataset(root: Path, per_family: int, seed: int, size: int = 64, progress: bool = True) -> Path:
    """Write per_family images of every family under root/<family>/ plus factors.jsonl; skip if already there."""
    if per_family < 1:
        raise ValueError(f"per_family must be at least 1, got {per_family}")
    root = Path(root)
    expected = _manifest(per_family, seed, size)
    if _is_complete(root, expected):
        return root
    _clear(root)
    for family in FAMILIES:
        (root / family).mkdir(parents=True, exist_ok=True)
    total = per_family * len(FAMILIES)
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
