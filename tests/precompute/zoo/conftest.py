"""Fixtures for the zoo tests: the real assets in ../shared (skipped without them) and a CIFAR-10 sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder beside the repo; skips the test when it is absent (a fresh clone)."""
    if not (SHARED / "weights").is_dir():
        pytest.skip(f"needs the real assets in {SHARED} (absent in a fresh clone)")
    return SHARED


@pytest.fixture(scope="session")
def cifar_sample(shared_dir: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """200 CIFAR-10 test images (20 per class) as RGB in [0, 1], with their labels."""
    images, labels = [], []
    for label, name in enumerate(CIFAR10_CLASSES):
        for path in sorted((shared_dir / "data" / "cifar10" / "test" / name).glob("*.jpg"))[:20]:
            images.append(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0)
            labels.append(label)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(labels)
