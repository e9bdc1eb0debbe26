"""Service settings, read from MICROSCOPE_* environment variables and validated at startup."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.db import StoreFormatError, check_url, require_database
from store.location import StoreLocation


class Settings(BaseSettings):
    """Where the store is and where to listen."""

    # hide_input_in_errors: a rejected value could be a database URL holding a password.
    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_", hide_input_in_errors=True)

    store: Path = Path("var/store")  # a folder written by `microscope precompute`: the default of db and assets
    db: str | None = None  # the store's database URL (default: the one in the store folder)
    assets: Path | None = None  # the store's asset folder (default: the store folder's assets/)
    host: str = "127.0.0.1"  # loopback by default: exposing the service is an explicit choice
    port: int = 8000

    @field_validator("db")
    @classmethod
    def _db_is_a_url(cls, db: str | None) -> str | None:
        return None if db is None else check_url(db)

    @field_validator("assets")
    @classmethod
    def _assets_exist(cls, assets: Path | None) -> Path | None:
        if assets is not None and not assets.is_dir():
            raise ValueError(f"no asset folder at {assets}; set MICROSCOPE_ASSETS (or --assets) to a store's assets")
        return assets

    @model_validator(mode="after")
    def _store_exists(self) -> Settings:
        if (self.db is None or self.assets is None) and not self.store.is_dir():
            raise ValueError(
                f"no store folder at {self.store}; set MICROSCOPE_STORE (or --store) to a folder written by "
                "`microscope precompute`, or MICROSCOPE_DB and MICROSCOPE_ASSETS (--db, --assets) to its parts"
            )
        try:
            require_database(self.location.db_url)
        except StoreFormatError as error:
            raise ValueError(str(error)) from None
        return self

    @property
    def location(self) -> StoreLocation:
        """The store to serve: the store folder, with --db and --assets replacing either part."""
        return StoreLocation.resolve(self.store, self.db, self.assets)
