"""Downloads: the cache, hash checks, and fast, helpful failures offline (never touching the network)."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from precompute.zoo import WeightsUnavailable, load_model
from precompute.zoo.download import cache_dir, fetch


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


@pytest.mark.parametrize("model_id, url_part", [("googlenet", "download.pytorch.org"), ("cifar-resnet44", "akamaster")])
def test_offline_load_fails_fast_saying_to_pass_weights(
    empty_caches: Path, monkeypatch: pytest.MonkeyPatch, model_id: str, url_part: str
) -> None:
    monkeypatch.setenv("MICROSCOPE_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(WeightsUnavailable, match="--weights") as error:
        load_model(model_id)
    assert time.monotonic() - start < 5
    assert model_id in str(error.value) and url_part in str(error.value)


def test_network_errors_become_weights_unavailable(empty_caches: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    with pytest.raises(WeightsUnavailable, match="no route to host.*--weights"):
        load_model("cifar-resnet56")
    assert not list((empty_caches / "microscope").rglob("*.part"))


def test_cache_dir_follows_the_environment(empty_caches: Path) -> None:
    assert cache_dir() == empty_caches / "microscope"


def test_fetch_downloads_once_then_uses_the_cache(empty_caches: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = empty_caches / "source.bin"
    source.write_bytes(b"weights")
    name = f"net-{hashlib.sha256(b'weights').hexdigest()[:8]}.th"
    path = fetch(source.as_uri(), name, model="net")
    assert path == empty_caches / "microscope" / "weights" / name and path.read_bytes() == b"weights"
    source.unlink()
    monkeypatch.setenv("MICROSCOPE_OFFLINE", "1")
    assert fetch(source.as_uri(), name, model="net") == path


def test_fetch_rejects_a_file_whose_hash_differs_from_its_name(empty_caches: Path) -> None:
    source = empty_caches / "source.bin"
    source.write_bytes(b"not the weights")
    with pytest.raises(WeightsUnavailable, match="sha256 does not start with 00000000"):
        fetch(source.as_uri(), "net-00000000.th", model="net")
    assert not (empty_caches / "microscope" / "weights" / "net-00000000.th").exists()
