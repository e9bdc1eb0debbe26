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
