"""Fixtures for precompute tests: a small class-folder image tree and a randomly initialized CIFAR ResNet file."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from precompute.zoo.cifar_resnet import CifarResNet

TINY_CLASSES = {"reds": (200, 40, 40), "greens": (40, 200, 40), "blues": (40, 40, 200)}


@pytest.fixture(scope="session")
def tiny_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve 32×32 noisy images in each of three class folders (one nested a level deeper)."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, colour in TINY_CLASSES.items():
        folder = root / name if name != "blues" else root / "nested" / name
        folder.mkdir(parents=True)
        for i in range(12):
            noise = rng.normal(0, 40, (32, 32, 3)) + np.array(colour)
            Image.fromarray(noise.clip(0, 255).astype(np.uint8)).save(folder / f"{i:03d}.png")
    return root


@pytest.fixture(scope="session")
def random_resnet20(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint in the shared CIFAR ResNet format (DataParallel prefix) holding seeded random weights."""
    torch.manual_seed(0)
    model = CifarResNet(20)
    for module in model.modules():  # random BN statistics, so the network is not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    path = tmp_path_factory.mktemp("weights") / "resnet20-random.th"
    torch.save({"best_prec1": 0.0, "state_dict": state}, path)
    return path


@pytest.fixture
def empty_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fresh microscope and torch.hub caches, online; any real network access fails the test."""
    monkeypatch.delenv("MICROSCOPE_OFFLINE", raising=False)
    monkeypatch.setenv("MICROSCOPE_CACHE", str(tmp_path / "microscope"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def no_network(url: object, *args: object, **kwargs: object) -> None:
        if not str(getattr(url, "full_url", url)).startswith("file:"):
            pytest.fail(f"test tried to download {url}")
        return real_urlopen(url, *args, **kwargs)  # type: ignore[arg-type]

    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path


@pytest.fixture(scope="session")
def small_reference(tmp_path_factory: pytest.TempPathFactory, random_resnet20: Path, tiny_images: Path) -> Path:
    """A store of tests.precompute.runs.SMALL_RUN precomputed in one uninterrupted run: what fault tests compare to."""
    from tests.precompute.runs import SMALL_RUN, Precompute, precompute_command

    store = tmp_path_factory.mktemp("small-reference")
    code, stdout = Precompute.start([*precompute_command(store, random_resnet20, tiny_images, *SMALL_RUN)]).finish()
    assert code == 0, stdout
    return store


@pytest.fixture(scope="package")
def cluster_address() -> Iterator[str]:
    """One local Ray cluster of two CPU workers for every Ray test of tests/precompute (starting one is the expensive
    part), this process its first driver; `microscope precompute --ray ADDRESS` subprocesses join it. Shut down when
    the package's last test ends, whatever the tests did, so the rest of the suite runs without its processes."""
    ray = pytest.importorskip("ray", reason='Ray is not installed (pip install "microscope[ray]")')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_AUTH_MODE", "disabled")  # no token written to the home folder; the subprocess inherits it
        context = ray.init(num_cpus=2, include_dashboard=False, object_store_memory=80 * 2**20, log_to_driver=False)
        try:
            yield context.address_info["gcs_address"]
        finally:
            ray.shutdown()
