"""`--images imagenette`: fast.ai's public Imagenette validation set, downloaded once and cached by class name.

Imagenette is ten easily told apart ImageNet classes; its validation split (3,925 images, short side 320 px) is
a real ImageNet sample small enough to precompute an ImageNet model's dataset examples on a laptop.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path, PurePosixPath

from precompute.zoo.download import DownloadUnavailable, cache_dir, fetch

NAME = "imagenette"
URL = "https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-320.tgz"
ARCHIVE = "imagenette2-320.tgz"
FOLDER = "imagenette2-320-val"
DONE = ".complete"  # written last: a folder without it is an interrupted extraction
# Imagenette's WordNet ids and the names ImageNet gives them (the class folders are named by the latter).
CLASSES = {
    "n01440764": "tench",
    "n02102040": "English springer",
    "n02979186": "cassette player",
    "n03000684": "chain saw",
    "n03028079": "church",
    "n03394916": "French horn",
    "n03417042": "garbage truck",
    "n03425413": "gas pump",
    "n03445777": "golf ball",
    "n03888605": "parachute",
}


class ImagesUnavailable(DownloadUnavailable):
    """The Imagenette images could not be had; the message says to pass `--images FOLDER` instead."""


def resolve_images(images: Path) -> Path:
    """The folder `--images` names: itself, or the cached Imagenette validation set for `imagenette`."""
    if str(images) == NAME and not Path(images).is_dir():
        return imagenette()
    return Path(images)


def imagenette(root: Path | None = None) -> Path:
    """The Imagenette validation images in class-name folders (under `root`, default `cache_dir()/datasets`)."""
    root = root or cache_dir() / "datasets"
    folder = root / FOLDER
    if (folder / DONE).is_file():
        return folder

    def fail(reason: str) -> ImagesUnavailable:
        return ImagesUnavailable(
            f"cannot get the Imagenette images: {reason}. Pass --images FOLDER instead (any folder of images; "
            f"the class is the parent folder's name), or download {URL} yourself and put it at {root / ARCHIVE}"
        )

    archive = fetch(URL, ARCHIVE, directory=root, fail=fail)
    try:
        extract_validation(archive, folder)
    except (tarfile.TarError, EOFError) as error:
        raise fail(f"{archive} is not a readable .tgz ({error}); delete it to download it again") from error
    archive.unlink()
    return folder


def extract_validation(archive: Path, folder: Path) -> int:
    """Extract the archive's `*/val/<wnid>/<image>` files into `folder/<class name>/`; the number of images."""
    partial = folder.with_name(folder.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    count = 0
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) != 4 or parts[1] != "val" or parts[2] not in CLASSES:
                continue
            if parts[3] in (".", ".."):
                continue
            dest = partial / CLASSES[parts[2]] / parts[3]
            dest.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                with source, open(dest, "wb") as out:
                    shutil.copyfileobj(source, out)
                count += 1
    if not count:
        shutil.rmtree(partial, ignore_errors=True)
        raise ImagesUnavailable(f"{archive} holds no Imagenette validation images (*/val/<wnid>/<image>)")
    (partial / DONE).write_text(f"{count} images from {URL}\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return count
