"""Dataset folders, input framing and PNG encoding."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch
from PIL import Image

from precompute.images import Framing, crop_png, scan_images, tensor_to_png, to_input


def test_scan_labels_images_by_parent_folder_at_any_depth(tiny_images: Path) -> None:
    images = scan_images(tiny_images)
    assert len(images) == 36
    assert Counter(i.label for i in images) == {"reds": 12, "greens": 12, "blues": 12}
    assert any(i.source.startswith("nested/blues/") for i in images)


def test_scan_gives_images_at_the_root_no_label(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    assert scan_images(tmp_path)[0].label is None


def test_max_images_takes_classes_in_turn(tiny_images: Path) -> None:
    images = scan_images(tiny_images, max_images=9)
    assert Counter(i.label for i in images) == {"reds": 3, "greens": 3, "blues": 3}


def test_scan_of_missing_or_empty_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a folder"):
        scan_images(tmp_path / "nope")
    with pytest.raises(ValueError, match="no image files"):
        scan_images(tmp_path)


def test_framing_centre_crops_the_short_side() -> None:
    frame = Framing.fit(200, 100, 50)
    assert frame.scale == 2.0
    assert frame.to_source(0, 0) == (50.0, 0.0)
    assert frame.to_source(50, 50) == (150.0, 100.0)


def test_to_input_keeps_a_same_size_image_exact() -> None:
    image = Image.new("RGB", (32, 32), (255, 0, 51))
    x = to_input(image, 32)
    assert x.shape == (3, 32, 32)
    assert torch.allclose(x[:, 0, 0], torch.tensor([1.0, 0.0, 0.2]))


def test_png_round_trip_and_crop_size() -> None:
    encoded = tensor_to_png(torch.rand(3, 20, 10))
    assert (encoded.ext, encoded.width, encoded.height) == ("png", 10, 20)
    assert crop_png(Image.new("RGB", (1000, 1000)), (0, 0, 900, 450)).width == 224
