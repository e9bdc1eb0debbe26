"""Settings: read from MICROSCOPE_* and validated at startup."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.main import create_app
from store.db import StoreFormatError


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
