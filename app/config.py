"""Service settings, read from MICROSCOPE_* environment variables and validated at startup."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.paths import DATABASE_NAME


class Settings(BaseSettings):
    """Where the store is and where to listen."""

    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_")

    store: Path = Path("var/store")  # a folder written by `microscope precompute`
    host: str = "127.0.0.1"  # loopback by default: exposing the service is an explicit choice
    port: int = 8000

    @field_validator("store")
    @classmethod
    def _store_exists(cls, store: Path) -> Path:
        if not store.is_dir():
            raise ValueError(
                f"no store folder at {store}; set MICROSCOPE_STORE (or --store) to a folder written by "
                "`microscope precompute`"
            )
        if not (store / DATABASE_NAME).is_file():
            raise ValueError(f"{store} is not a store: {DATABASE_NAME} is missing; run `microscope precompute` first")
        return store
