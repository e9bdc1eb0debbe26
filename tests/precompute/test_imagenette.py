"""`--images imagenette`: the validation split extracted by class name and cached; offline, a fast clear error."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from microscope.cli import app
from precompute import imagenette
from precompute.imagenette import ImagesUnavailable, extract_validation, resolve_images
from precompute.images import scan_images


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A miniature imagenette2-320.tgz: two validation classes, a training image, a stray file."""
    path = tmp_path / "imagenette2-320.tgz"
    files = {
        "imagenette2-320/val/n01440764/ILSVRC2012_val_1.JPEG": _jpeg(),
        "imagenette2-320/val/n01440764/ILSVRC2012_val_2.JPEG": _jpeg(),
        "imagenette2-320/val/n03888605/ILSVRC2012_val_3.JPEG": _jpeg(),
        "imagenette2-320/train/n01440764/n01440764_1.JPEG": _jpeg(),
        "imagenette2-320/noisy_imagenette.csv": b"path,label\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_validation_images_are_extracted_into_class_name_folders(archive: Path, tmp_path: Path) -> None:
    folder = tmp_path / "val"
    assert extract_validation(archive, folder) == 3
    images = scan_images(folder)
    assert [(image.source, image.label) for image in images] == [
        ("parachute/ILSVRC2012_val_3.JPEG", "parachute"),
        ("tench/ILSVRC2012_val_1.JPEG", "tench"),
        ("tench/ILSVRC2012_val_2.JPEG", "tench"),
    ]
    assert not (folder.parent / "val.part").exists()


def test_imagenette_downloads_once_then_serves_the_cache(
    archive: Path, empty_caches: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imagenette, "URL", archive.as_uri())
    folder = resolve_images(Path("imagenette"))
    assert folder == empty_caches / "microscope" / "datasets" / "imagenette2-320-val"
    assert len(scan_images(folder)) == 3 and not (folder.parent / "imagenette2-320.tgz").exists()
    archive.unlink()
    monkeypatch.setenv("MICROSCOPE_OFFLINE", "1")
    assert resolve_images(Path("imagenette")) == folder


def test_offline_imagenette_fails_fast_saying_to_pass_a_folder(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ImagesUnavailable, match="MICROSCOPE_OFFLINE is set.*--images FOLDER"):
        resolve_images(Path("imagenette"))
    assert time.monotonic() - started < 5


def test_a_folder_is_used_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "imagenette").mkdir()  # a folder of that name is the user's own
    assert resolve_images(Path("imagenette")) == Path("imagenette")
    assert resolve_images(tmp_path / "photos") == tmp_path / "photos"


def test_precompute_offline_with_imagenette_exits_saying_what_to_pass(tmp_path: Path, random_resnet20: Path) -> None:
    args = ["precompute", "--model", "cifar-resnet20", "--weights", str(random_resnet20), "--images", "imagenette"]
    done = CliRunner().invoke(app, [*args, "--store", str(tmp_path / "store"), "--no-progress"])
    assert done.exit_code == 2 and "Pass --images FOLDER instead" in done.output
