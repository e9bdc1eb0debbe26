"""Images in and out: scan a dataset folder, load images as model input, encode tensors and crops as PNG."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from store.records import EncodedImage

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff"})
MAX_CROP_SIDE = 224  # crops of big receptive fields are shrunk to this; the page never shows them larger


@dataclass(frozen=True)
class DatasetImage:
    """An image file of the dataset folder; `source` is its path relative to the folder."""

    path: Path
    source: str
    label: str | None


def scan_images(root: Path, max_images: int | None = None) -> list[DatasetImage]:
    """Every image under `root` (any depth), class = parent folder; `max_images` takes them class by class in turn."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"--images {root}: not a folder of images")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise ValueError(f"--images {root}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))}) found under it")
    images = [_dataset_image(root, p) for p in files]
    if max_images is None or max_images >= len(images):
        return images
    return _round_robin(images, max_images)


def _dataset_image(root: Path, path: Path) -> DatasetImage:
    relative = path.relative_to(root)
    label = relative.parent.name if relative.parent != Path(".") else None
    return DatasetImage(path, relative.as_posix(), label)


def _round_robin(images: list[DatasetImage], count: int) -> list[DatasetImage]:
    # Taking the first N of a sorted class tree would give N airplanes; interleave the classes instead.
    by_label: dict[str | None, list[DatasetImage]] = defaultdict(list)
    for image in images:
        by_label[image.label].append(image)
    queues = list(by_label.values())
    chosen: list[DatasetImage] = []
    depth = 0
    while len(chosen) < count:
        chosen.extend(q[depth] for q in queues if depth < len(q))
        depth += 1
    return sorted(chosen[:count], key=lambda image: image.source)


def load_rgb(path: Path) -> Image.Image:
    """The image at `path` as RGB."""
    with Image.open(path) as image:
        return image.convert("RGB")


@dataclass(frozen=True)
class Framing:
    """How a source image maps onto the square model input: resize the short side, then centre-crop."""

    scale: float  # source pixels per input pixel
    left: float  # source x of the input's left edge
    top: float

    @classmethod
    def fit(cls, width: int, height: int, size: int) -> Framing:
        """The framing of a width×height image onto a size×size input."""
        scale = min(width, height) / size
        return cls(scale, (width - size * scale) / 2, (height - size * scale) / 2)

    def to_source(self, x: float, y: float) -> tuple[float, float]:
        """Input-pixel coordinates → source-image coordinates."""
        return self.left + x * self.scale, self.top + y * self.scale


def to_input(image: Image.Image, size: int) -> Tensor:
    """A (3, size, size) float tensor in [0, 1]: short side resized to `size`, centre-cropped."""
    frame = Framing.fit(image.width, image.height, size)
    box = (frame.left, frame.top, frame.left + size * frame.scale, frame.top + size * frame.scale)
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BILINEAR, box=box)
    array = np.asarray(image, dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


# zlib level 1 instead of Pillow's 6: a dataset crop (the demo's, 6–56 px) encodes in 0.8 ms instead of 1.9, 12% larger
PNG_LEVEL = 1


def encode_png(image: Image.Image) -> EncodedImage:
    """PNG bytes of a PIL image."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_LEVEL)
    return EncodedImage(buffer.getvalue(), "png", image.width, image.height)


WEBP_QUALITY = 90  # lossy WebP of a smooth 256-px feature visualization: about 19 KB, against 117 KB as PNG
# libwebp's fastest effort: 3.3 ms a 256-px picture against 8.3 at its default (4), for files 6% larger (18.9 KB
# against 17.7, the demo's pictures); encoding was a tenth of the demo's feature-vis stage
WEBP_METHOD = 0


def tensor_to_image(tensor: Tensor) -> Image.Image:
    """The PIL image of a (3, H, W) tensor in [0, 1]."""
    array = (tensor.detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
    return Image.fromarray(array)


def tensor_to_png(tensor: Tensor) -> EncodedImage:
    """PNG of a (3, H, W) tensor in [0, 1]."""
    return encode_png(tensor_to_image(tensor))


def tensor_to_webp(tensor: Tensor, quality: int = WEBP_QUALITY) -> EncodedImage:
    """Lossy WebP of a (3, H, W) tensor in [0, 1]: for images interpolated for display, whose exact pixels carry
    nothing the optimized image does not."""
    image = tensor_to_image(tensor)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=WEBP_METHOD)
    return EncodedImage(buffer.getvalue(), "webp", image.width, image.height)


def crop_png(image: Image.Image, box: tuple[int, int, int, int]) -> EncodedImage:
    """PNG of `box` (left, top, right, bottom) cut from `image`, shrunk to MAX_CROP_SIDE if larger."""
    crop = image.crop(box)
    if max(crop.size) > MAX_CROP_SIDE:
        crop.thumbnail((MAX_CROP_SIDE, MAX_CROP_SIDE), Image.Resampling.LANCZOS)
    return encode_png(crop)
