"""Assets on a static host: every request is answered with asset URLs under the configured base URL.

`microscope serve --asset-base-url` (MICROSCOPE_ASSET_BASE_URL) names a static host or CDN holding the store's
asset folder as `microscope assets sync` copies it; app.urls builds asset URLs there while this middleware runs.
Images the service draws on request (layer, model and circuit cards, kernels) keep coming from the service.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app import urls


class AssetBase:
    """ASGI middleware: asset URLs built while a request is answered point at `base` (no-op when None)."""

    def __init__(self, app: ASGIApp, base: str | None) -> None:
        self.app = app
        self.base = base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Sync handlers run in a thread pool that copies the context, so they see the value set here.
        with urls.asset_base(self.base):
            await self.app(scope, receive, send)
