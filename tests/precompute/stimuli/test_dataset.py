"""Balanced seeded streams and the on-disk dataset: layout, records, idempotence and rebuilds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from PIL import Image

from precompute.stimuli import CLASS_NAMES, GENERATOR_VERSION, sample, write_dataset


def mtimes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def test_sample_is_balanced_round_robin_and_deterministic() -> None:
    stream = list(sample(len(CLASS_NAMES) * 3, seed=0, size=16))
    assert Counter(s.label for s in stream) == {label: 3 for label in CLASS_NAMES}
    assert [s.label for s in stream[: len(CLASS_NAMES)]] == list(CLASS_NAMES)
    again = list(sample(len(CLASS_NAMES) * 3, seed=0, size=16))
    assert [s.image.tobytes() for s in stream] == [s.image.tobytes() for s in again]
    assert [s.image.tobytes() for s in sample(3, seed=1, size=16)] != [s.image.tobytes() for s in stream[:3]]


def test_write_dataset_lays_out_class_folders_factors_and_manifest(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "stimuli", per_class=2, seed=0, size=32, progress=False)
    for label in CLASS_NAMES:
        assert sorted(p.name for p in (root / label).iterdir()) == [f"{label}-00000.png", f"{label}-00001.png"]
        assert Image.open(root / label / f"{label}-00001.png").size == (32, 32)
    records = [json.loads(line) for line in (root / "factors.jsonl").read_text().splitlines()]
    assert len(records) == 2 * len(CLASS_NAMES)
    assert {r["source"] for r in records} == {str(p.relative_to(root)) for p in root.glob("*/*.png")}
    assert all(r["source"].startswith(r["class"] + "/") and r["pattern"] and r["factors"] for r in records)
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["per_class"] == 2 and manifest["seed"] == 0 and manifest["size"] == 32
    assert manifest["generator_version"] == GENERATOR_VERSION


def test_written_images_match_sample_and_are_byte_identical_across_runs(tmp_path: Path) -> None:
    first = write_dataset(tmp_path / "a", per_class=1, seed=4, size=32, progress=False)
    second = write_dataset(tmp_path / "b", per_class=1, seed=4, size=32, progress=False)
    for stimulus in sample(len(CLASS_NAMES), seed=4, size=32):
        path = Path(stimulus.label) / f"{stimulus.label}-00000.png"
        assert (first / path).read_bytes() == (second / path).read_bytes()
        assert Image.open(first / path).tobytes() == stimulus.image.tobytes()


def test_second_call_with_same_settings_rewrites_nothing(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "s", per_class=2, seed=0, size=32, progress=False)
    before = mtimes(root)
    write_dataset(root, per_class=2, seed=0, size=32, progress=False)
    assert mtimes(root) == before


def test_different_seed_rebuilds_the_dataset(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "s", per_class=2, seed=0, size=32, progress=False)
    old = (root / "line" / "line-00000.png").read_bytes()
    write_dataset(root, per_class=2, seed=1, size=32, progress=False)
    assert json.loads((root / "manifest.json").read_text())["seed"] == 1
    assert (root / "line" / "line-00000.png").read_bytes() != old


def test_smaller_rebuild_leaves_no_stale_images(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "s", per_class=3, seed=0, size=16, progress=False)
    write_dataset(root, per_class=1, seed=0, size=16, progress=False)
    assert len(list(root.glob("*/*.png"))) == len(CLASS_NAMES)
    assert len((root / "factors.jsonl").read_text().splitlines()) == len(CLASS_NAMES)


def test_partial_dataset_is_rebuilt(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "s", per_class=2, seed=0, size=16, progress=False)
    (root / "corner" / "corner-00001.png").unlink()
    write_dataset(root, per_class=2, seed=0, size=16, progress=False)
    assert (root / "corner" / "corner-00001.png").is_file()
    (root / "manifest.json").unlink()  # as if killed before finishing
    write_dataset(root, per_class=2, seed=0, size=16, progress=False)
    assert (root / "manifest.json").is_file() and len(list(root.glob("*/*.png"))) == 2 * len(CLASS_NAMES)


def test_a_folder_left_by_an_earlier_world_is_removed_on_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "s"
    (root / "spiral").mkdir(parents=True)
    (root / "spiral" / "spiral-00000.png").write_bytes(b"old")
    write_dataset(root, per_class=1, seed=0, size=16, progress=False)
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(CLASS_NAMES)
