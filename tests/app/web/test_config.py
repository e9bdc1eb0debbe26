"""Settings: read from MICROSCOPE_* and validated at startup."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.main import create_app
from app.web.config import Settings
from store.db import StoreFormatError
from store.location import StoreLocation


def test_settings_read_the_store_from_the_environment(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSCOPE_STORE", str(toy_store))
    monkeypatch.setenv("MICROSCOPE_PORT", "9123")
    settings = Settings()
    assert (settings.store, settings.port, settings.host) == (toy_store, 9123, "127.0.0.1")


def test_missing_store_folder_is_rejected_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no store folder at .*MICROSCOPE_STORE"):
        Settings(store=tmp_path / "nowhere")


def test_folder_without_database_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="microscope.sqlite is missing"):
        Settings(store=tmp_path)


def test_store_of_another_format_fails_at_startup(tmp_path: Path) -> None:
    (tmp_path / "microscope.sqlite").write_bytes(b"")
    with pytest.raises(StoreFormatError, match="format version"):
        create_app(Settings(store=tmp_path))


def test_settings_read_a_split_store_from_the_environment(
    toy_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROSCOPE_DB", f"sqlite:///{toy_store}/microscope.sqlite")
    monkeypatch.setenv("MICROSCOPE_ASSETS", str(toy_store / "assets"))
    monkeypatch.setenv("MICROSCOPE_STORE", str(tmp_path / "nowhere"))  # needed for neither part
    assert Settings().location == StoreLocation.folder(toy_store)


def test_store_folder_alone_names_the_database_and_the_assets(toy_store: Path) -> None:
    assert Settings(store=toy_store).location == StoreLocation.folder(toy_store)


def test_missing_asset_folder_is_rejected_with_a_hint(toy_store: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no asset folder at .*MICROSCOPE_ASSETS"):
        Settings(store=toy_store, assets=tmp_path / "nowhere")


def test_database_url_without_its_file_is_not_a_store(toy_store: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="db.sqlite is missing"):
        Settings(store=toy_store, db=f"sqlite:///{tmp_path}/db.sqlite")


def test_malformed_database_url_is_rejected_without_echoing_it(toy_store: Path) -> None:
    with pytest.raises(ValidationError, match="not a database URL") as excinfo:
        Settings(store=toy_store, db="s3cret")
    assert "s3cret" not in str(excinfo.value)


def test_public_url_is_kept_as_its_origin(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSCOPE_PUBLIC_URL", "https://Microscope.Example.org:8443/")
    assert Settings(store=toy_store).public_url == "https://microscope.example.org:8443"


@pytest.mark.parametrize(
    "url",
    ["microscope.example.org", "ftp://example.org", "https://example.org/sub/", "https://x.org/?a=1", "http://:80"],
)
def test_public_url_that_is_not_an_origin_is_rejected(toy_store: Path, url: str) -> None:
    with pytest.raises(ValidationError, match="public URL"):
        Settings(store=toy_store, public_url=url)
