"""Class-label files: parsing, downloading into the cache, and placeholders with a warning when unavailable."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from precompute.zoo import get_model, inceptionv1, load_model
from precompute.zoo.labels import fetch_labels, read_labels


def test_labels_file_is_read_in_class_order_and_padded_to_the_head(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("dummy\n kit fox \n\nEnglish setter\n\n\n", encoding="utf-8")
    assert read_labels(path, 6) == ["dummy", "kit fox", "class 2", "English setter", "class 4", "class 5"]


def test_labels_file_naming_more_classes_than_the_head_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    with pytest.raises(ValueError, match="3 labels, but the model has 2 classes"):
        read_labels(path, 2)
    with pytest.raises(ValueError, match="does not exist"):
        read_labels(tmp_path / "missing.txt", 2)


def test_offline_labels_fall_back_to_placeholders_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        labels = fetch_labels("https://example.invalid/labels.txt", "x.txt", model="net", count=3)
    assert time.monotonic() - started < 5
    assert labels == ["class 0", "class 1", "class 2"]
    assert "MICROSCOPE_OFFLINE" in caplog.text and "--labels FILE" in caplog.text


def test_labels_are_downloaded_once_then_read_from_the_cache(
    empty_caches: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = empty_caches / "names.txt"
    source.write_text("background\ntench\n", encoding="utf-8")
    assert fetch_labels(source.as_uri(), "names.txt", model="net", count=3) == ["background", "tench", "class 2"]
    source.unlink()
    monkeypatch.setenv("MICROSCOPE_OFFLINE", "1")
    assert fetch_labels(source.as_uri(), "names.txt", model="net", count=2) == ["background", "tench"]
    assert (empty_caches / "microscope" / "labels" / "names.txt").is_file()


def test_inceptionv1_names_its_1008_classes_from_lucids_label_file() -> None:
    entry = get_model("inceptionv1")
    assert entry.labels is not None and inceptionv1.LABELS_URL.endswith("/modelzoo/labels/ImageNet_alternate.txt")
    assert len(entry.labels(inceptionv1.CLASSES)) == 1008  # offline here: placeholders, but one per class


def test_labels_option_replaces_the_models_class_names(tmp_path: Path, random_resnet20: Path) -> None:
    path = tmp_path / "cifar.txt"
    path.write_text("plane\ncar\n", encoding="utf-8")
    model = load_model("cifar-resnet20", weights=random_resnet20, labels=path)
    assert model.class_labels[:3] == ["plane", "car", "class 2"] and len(model.class_labels) == 10
