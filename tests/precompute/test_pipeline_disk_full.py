"""A precompute whose disk fills fails with one clear line; once space is freed the store checks and the run
resumes to the store an uninterrupted run makes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.integrity import check_store
from tests.disk import Tmpfs, mounted_tmpfs
from tests.precompute.runs import SMALL_RUN, contents, precompute_command

pytestmark = pytest.mark.slow


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def half_disk(tmp_path: Path, small_reference: Path) -> Iterator[Tmpfs]:
    """A tmpfs with room for half the small run's store, unmounted after the test even when it fails."""
    with mounted_tmpfs(tmp_path / "disk", _bytes(small_reference) // 2) as disk:
        yield disk


def test_a_full_disk_fails_in_one_line_then_the_store_checks_and_the_rerun_resumes_to_the_same_store(
    half_disk: Tmpfs, random_resnet20: Path, tiny_images: Path, small_reference: Path
) -> None:
    store = half_disk.path / "store"
    command = [*precompute_command(store, random_resnet20, tiny_images, *SMALL_RUN), "--no-progress"]
    failed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert failed.returncode == 2, failed.stdout
    assert len(failed.stderr.splitlines()) == 1, failed.stderr[-3000:]  # no traceback
    assert failed.stderr.startswith(f"error: no space left on device writing the store {store};")
    assert "run the same command again: the run resumes where it stopped" in failed.stderr

    half_disk.resize(4 * _bytes(small_reference))
    report = check_store(store, verify_hashes=True)  # as the run left it: no `check --finalize` needed
    assert report.ok, report.problems
    assert any("not computed yet" in note for note in report.notes)  # it did stop partway

    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = check_store(store, verify_hashes=True)
    assert report.ok, report.problems
    assert contents(store) == contents(small_reference)
