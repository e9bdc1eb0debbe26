"""Drawn link-preview cards in the cache folder (MICROSCOPE_CACHE_DIR): written once as PNG files named by what they
are drawn from, served from there after and across restarts; memory only without the setting or when the folder
cannot be written (a warning, never a 500); never inside the store."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.cards import pages as cards
from app.main import create_app
from app.web.config import Settings
from tests.mounts import on_read_only_mount, require_read_only_mounts

CARDS = [
    "/models/toy-net/card.png",
    "/models/toy-net/layers/conv1/card.png",
    "/models/toy-net/circuit/card.png?units=conv1:0;block1:3",
]


def _client(toy_store: Path, cache_dir: Path | None) -> TestClient:
    return TestClient(create_app(Settings(store=toy_store, cache_dir=cache_dir)))


def _get(client: TestClient, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png", response.text
    return response.content


def _pngs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def _never_drawn(*_args: object, **_kwargs: object) -> bytes:
    raise AssertionError("drawn again: the cache folder should have served it")


def test_each_card_is_written_once_and_served_from_the_folder_after_a_restart(
    toy_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cards"
    with _client(toy_store, folder) as client:
        first = [_get(client, path) for path in CARDS]
    written = _pngs(folder)
    assert len(written) == len(CARDS) and sorted(p.read_bytes() for p in written) == sorted(first)
    assert all(Image.open(p).size == (1200, 630) for p in written)
    assert all(len(p.stem) == 64 for p in written)  # a sha256 of what the card is drawn from
    monkeypatch.setattr(cards, "draw", _never_drawn)
    with _client(toy_store, folder) as client:  # a restart: a new process's memory is empty
        assert [_get(client, path) for path in CARDS] == first
    assert _pngs(folder) == written


def test_without_a_cache_folder_cards_are_drawn_and_nothing_is_written(toy_store: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in toy_store.rglob("*"))
    with _client(toy_store, None) as client:
        assert client.app.state.card_cache.folder is None
        assert all(_get(client, path).startswith(b"\x89PNG") for path in CARDS)
    assert sorted(p.name for p in toy_store.rglob("*")) == before


def test_an_unwritable_cache_folder_falls_back_to_memory_with_a_warning(
    toy_store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="microscope.app"), _client(toy_store, blocker / "cards") as client:
        assert all(_get(client, path).startswith(b"\x89PNG") for path in CARDS)
    assert "not writable" in caplog.text and str(blocker / "cards") in caplog.text


# Run in a subprocess, where the cache folder is a read-only bind mount (root ignores a folder's permission bits).
_FETCH_CARD = """
import logging, sys
from pathlib import Path
from fastapi.testclient import TestClient
from app.web.config import Settings
from app.main import create_app
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
store, folder, path = sys.argv[1:]
with TestClient(create_app(Settings(store=Path(store), cache_dir=Path(folder)))) as client:
    response = client.get(path)
print(response.status_code, response.headers["content-type"], response.content[:4] == b"\\x89PNG")
"""


def test_a_read_only_cache_folder_falls_back_to_memory_with_a_warning(toy_store: Path, tmp_path: Path) -> None:
    require_read_only_mounts(tmp_path)
    folder = tmp_path / "cards"
    folder.mkdir()
    done = on_read_only_mount(folder, sys.executable, "-c", _FETCH_CARD, str(toy_store), str(folder), CARDS[0])
    assert done.stdout.split() == ["200", "image/png", "True"], done.stderr[-2000:]
    assert "not writable" in done.stderr and str(folder) in done.stderr
    assert _pngs(folder) == []


def test_another_store_gets_other_files(toy_store: Path, tmp_path: Path) -> None:
    with _client(toy_store, tmp_path / "cards") as client:
        cache = client.app.state.card_cache
        mine = cache.path_for(CARDS[0])
    cache.store_version = "another"
    assert mine is not None and cache.path_for(CARDS[0]) != mine


@pytest.mark.parametrize("inside", ["", "assets", "assets/cards"])
def test_a_cache_folder_inside_the_store_is_refused(toy_store: Path, inside: str) -> None:
    with pytest.raises(ValueError, match="MICROSCOPE_CACHE_DIR"):
        Settings(store=toy_store, cache_dir=toy_store / inside)
