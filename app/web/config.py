"""Service settings, read from MICROSCOPE_* environment variables and validated at startup."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.web.limits import Limits
from notes import db as notes_db
from store.db import StoreFormatError, check_url, folder_of, require_database
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
    # The address users reach the service at (https://microscope.example.org), e.g. behind a reverse proxy: canonical
    # links, the copy-link box and absolute redirects use it. Unset: the address each connection arrived at.
    public_url: str | None = None
    # Reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed (IPs or networks, comma-separated, or
    # `*`): the scheme pages link with and the client address the access log names. Unset: nobody's, so that no
    # client can choose what a cached page says; --public-url wins over them either way.
    forwarded_allow_ips: str | None = None
    # Seconds a stopping server (SIGTERM) lets requests under way finish before cancelling them.
    shutdown_timeout: float = Field(default=3.0, ge=0)
    # A `microscope probe-worker` (http://127.0.0.1:8001): model pages then offer probing an uploaded image.
    probe_url: str | None = None
    # A static host or CDN holding the store's assets as `microscope assets sync` lays them out
    # (https://assets.example.org/microscope): pages and JSON point images and tensors there instead of at /assets.
    asset_base_url: str | None = None
    probe_timeout: float = 60.0  # seconds to wait for the worker's answer (it has its own, shorter, deadline)
    experiment_timeout: float = 330.0  # … to an experiment (the worker gives up after 300 s by default, and says so)
    # The writable annotation database (instructors' notes and tokens), apart from the read-only store; any
    # SQLAlchemy URL. A SQLite file is created by the first write (`microscope tokens create`), read as empty before.
    notes_db: str = notes_db.DEFAULT_URL
    # A writable folder where link-preview cards drawn on request are kept as PNG files, across restarts (created if
    # missing). Unset: drawn cards are kept in memory only. Never inside the store, which is read-only media.
    cache_dir: Path | None = None
    # Every limit on what one request may send or ask for (app/web/limits.py), from MICROSCOPE_LIMIT_*.
    limits: Limits = Field(default_factory=Limits)

    @field_validator("notes_db")
    @classmethod
    def _notes_db_is_a_url(cls, url: str) -> str:
        return notes_db.check_url(url)

    @field_validator("db")
    @classmethod
    def _db_is_a_url(cls, db: str | None) -> str | None:
        return None if db is None else check_url(db)

    @field_validator("public_url")
    @classmethod
    def _public_url_is_an_origin(cls, url: str | None) -> str | None:
        return None if url is None else public_origin(url)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _forwarded_allow_ips_are_addresses(cls, ips: str | None) -> str | None:
        return None if ips is None or not ips.strip() else trusted_proxies(ips)

    @field_validator("asset_base_url")
    @classmethod
    def _asset_base_is_absolute(cls, url: str | None) -> str | None:
        return None if url is None or not url.strip() else asset_base(url)

    @field_validator("probe_url")
    @classmethod
    def _probe_url_is_http(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"probe URL must be http(s)://host:port of a `microscope probe-worker`, got {url!r}")
        return url.strip().rstrip("/")

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
        self._cache_dir_is_not_the_stores()
        try:
            require_database(self.location.db_url)
        except StoreFormatError as error:
            raise ValueError(str(error)) from None
        return self

    def _cache_dir_is_not_the_stores(self) -> None:
        if self.cache_dir is None:
            return
        cache, location = self.cache_dir.resolve(), self.location
        for store_part in (folder_of(location.db_url), location.assets):
            if store_part is not None and cache.is_relative_to(store_part.resolve()):
                raise ValueError(
                    f"cache folder {self.cache_dir} lies in the store ({store_part}), which is read-only media; "
                    "set MICROSCOPE_CACHE_DIR to a folder outside it"
                )

    @property
    def asset_origin(self) -> str | None:
        """`scheme://host[:port]` of the static asset host, for the pages' CSP; None when assets come from here."""
        return None if self.asset_base_url is None else _origin(self.asset_base_url)

    @property
    def location(self) -> StoreLocation:
        """The store to serve: the store folder, with --db and --assets replacing either part."""
        return StoreLocation.resolve(self.store, self.db, self.assets)


def public_origin(url: str) -> str:
    """`scheme://host[:port]` of a public URL, or a ValueError saying what it lacks."""
    parts = urlsplit(url.strip())
    # Pages link with site-rooted paths (/models/...), so the service must sit at the root of its origin.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"public URL must be http(s)://host[:port] with no path, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"public URL must not hold a query, fragment or user, got {url!r}")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ValueError(f"public URL has an invalid port: {url!r}") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def trusted_proxies(ips: str) -> str:
    """A comma-separated list of proxy IP addresses or networks (or `*`), normalized, or a ValueError naming the
    item that is neither."""
    items = [item.strip() for item in ips.split(",") if item.strip()]
    if "*" in items:
        return "*"
    for item in items:
        try:  # as uvicorn reads them: a network has no host bits set, anything else must be one address
            ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)
        except ValueError:
            raise ValueError(
                f"trusted proxies must be IP addresses or networks (127.0.0.1, 10.0.0.0/8, ::1), comma-separated, "
                f"or '*', got {item!r}"
            ) from None
    return ",".join(items)


def asset_base(url: str) -> str:
    """An asset base URL without its trailing slash, or a ValueError saying what an absolute http(s) URL lacks."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"asset base URL must be an absolute http(s)://host[:port][/path] URL, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"asset base URL must not hold a query, fragment or user, got {url!r}")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ValueError(f"asset base URL has an invalid port: {url!r}") from None
    return url.strip().rstrip("/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"
