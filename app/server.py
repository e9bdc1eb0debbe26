"""Run the service with uvicorn (the `microscope serve` command calls `serve`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import ValidationError

from app.main import create_app
from app.web.config import Settings
from app.web.protocol import BoundedHead
from store.db import StoreFormatError


def _settings_message(error: ValidationError) -> str:
    lines = [
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}".removeprefix(": ")
        for e in error.errors()
    ]
    return "invalid settings:\n  " + "\n  ".join(lines)


def _settings_env(settings: Settings) -> None:
    """Hand the settings to worker processes, which build the app from MICROSCOPE_* (uvicorn imports them anew)."""
    given = {
        "MICROSCOPE_STORE": str(settings.store),
        "MICROSCOPE_DB": settings.db,
        "MICROSCOPE_ASSETS": settings.assets,
        "MICROSCOPE_PUBLIC_URL": settings.public_url,
        "MICROSCOPE_PROBE_URL": settings.probe_url,
        "MICROSCOPE_ASSET_BASE_URL": settings.asset_base_url,
        "MICROSCOPE_FORWARDED_ALLOW_IPS": settings.forwarded_allow_ips,
        "MICROSCOPE_SHUTDOWN_TIMEOUT": settings.shutdown_timeout,
    }
    for name, value in given.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What uvicorn itself does with the settings: proxy headers only from trusted proxies, a bounded shutdown."""
    # uvicorn believes X-Forwarded-* from 127.0.0.1 by default (or $FORWARDED_ALLOW_IPS): off unless proxies are named.
    trusted = settings.forwarded_allow_ips
    return {
        "http": BoundedHead,  # httptools, with each request's head bounded (app/web/protocol.py)
        "proxy_headers": trusted is not None,
        "forwarded_allow_ips": trusted,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def serve(
    store: Path,
    host: str,
    port: int,
    *,
    db: str | None = None,
    assets: Path | None = None,
    public_url: str | None = None,
    workers: int = 1,
    probe_url: str | None = None,
    asset_base_url: str | None = None,
    forwarded_allow_ips: str | None = None,
    shutdown_timeout: float | None = None,
) -> None:
    """Serve the store on host:port until interrupted; exit 2 with a message when it can't start.

    `store` is the store folder; `db` and `assets` replace its database URL or asset folder; `public_url` is the
    address users reach the service at, used in canonical links and redirects; `probe_url` is a probe worker's;
    `asset_base_url` is a static host holding the store's assets (`microscope assets sync`), which pages then link to.
    `forwarded_allow_ips` are the reverse proxies whose X-Forwarded-Proto and -For are believed (none by default);
    `shutdown_timeout` the seconds a SIGTERM lets requests under way finish. None leaves a setting to MICROSCOPE_*.
    With `workers` > 1, that many processes share the port, each with its own reader and response cache.
    """
    try:
        # Built here even for several workers: a bad store fails once, with a message, before any process starts.
        settings = Settings(
            store=store,
            db=db,
            assets=assets,
            host=host,
            port=port,
            public_url=public_url,
            probe_url=probe_url,
            asset_base_url=asset_base_url,
            **_given(forwarded_allow_ips=forwarded_allow_ips, shutdown_timeout=shutdown_timeout),
        )
        app = create_app(settings)
        app.state.reader.verify()  # once, before listening: a damaged page would otherwise fail requests one by one
    except ValidationError as error:
        print(f"microscope serve: {_settings_message(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    except StoreFormatError as error:
        print(f"microscope serve: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
        return
    app.state.reader.engine.dispose()
    _settings_env(settings)
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, **uvicorn_options(settings))


def _given(**options: object) -> dict[str, object]:
    """The options given: those left None come from MICROSCOPE_* or the settings' defaults."""
    return {name: value for name, value in options.items() if value is not None}
