"""Security headers on every response, CORS on the public API and assets, and an origin the client cannot choose.

Plain ASGI middlewares, so that others (caching, compression) compose with them in any order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import routes
from app.web.config import Settings


# Pages load scripts, styles and images only from this service (no inline script or style), fetch only from it
# (the docs read /openapi.json) and may not be framed. `data:` images: Swagger UI's icons are inlined in its CSS.
# A static asset host (MICROSCOPE_ASSET_BASE_URL) joins img-src only: pages show the store's images from it.
def csp(asset_origin: str | None = None) -> str:
    """The pages' Content-Security-Policy, letting images also come from `asset_origin` when given."""
    images = " ".join(["'self'", "data:", *([asset_origin] if asset_origin else [])])
    return (
        f"default-src 'self'; img-src {images}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


CSP = csp()


def headers(asset_origin: str | None = None) -> dict[str, str]:
    """The security headers every response carries."""
    return {
        "content-security-policy": csp(asset_origin),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",  # frame-ancestors for browsers that predate it
    }


HEADERS = headers()
CORS_PREFIXES = (routes.API, routes.ASSET.path.split("{", 1)[0].rstrip("/"))  # /api/v1, /assets


class SecurityHeaders:
    """ASGI middleware adding `headers()` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, asset_origin: str | None = None) -> None:
        self.app = app
        self.headers = [(name.encode(), value.encode()) for name, value in headers(asset_origin).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PublicReadCORS:
    """CORS open to any origin for GET and HEAD, on the JSON API and the assets only (pages stay same-origin)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # No credentials: the API is public, so `*` is safe and no cookie ever rides along.
        self.cors = CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "HEAD"], allow_headers=["*"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _under(scope["path"], CORS_PREFIXES):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


class FixedOrigin:
    """ASGI middleware replacing the client's `Host` with the public URL, or the address the connection reached.

    Starlette builds absolute URLs (`request.base_url`, trailing-slash redirects) from the `Host` header, which any
    client can set; after this middleware no page or header can carry a host name the client chose. The public URL
    sets the scheme too, over whatever a proxy reported; without it the scheme is the connection's, or the one a
    proxy named by `forwarded_allow_ips` reported (uvicorn believes no other), and the response cache keys by it.
    """

    def __init__(self, app: ASGIApp, public_url: str | None = None) -> None:
        self.app = app
        self.public = urlsplit(public_url) if public_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self._rewrite(scope)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope) -> Scope:
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
        if self.public is not None:
            host = self.public.netloc
            scope = {**scope, "scheme": self.public.scheme}
        else:
            host = _netloc(scope.get("server"), scope.get("scheme", "http"))
        if host:  # no server address (a Unix socket): no Host, so URLs stay site-rooted paths
            headers.append((b"host", host.encode("ascii")))
        return {**scope, "headers": headers}


def _netloc(server: tuple[str, int | None] | None, scheme: str) -> str | None:
    """`host[:port]` of the local address a connection arrived at (IPv6 in brackets, default ports left out)."""
    if not server:
        return None
    host, port = server
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    return host if port is None or port == default else f"{host}:{port}"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middlewares to `app`: headers outermost, so that every answer carries them."""
    app.add_middleware(FixedOrigin, public_url=settings.public_url)
    app.add_middleware(PublicReadCORS)
    app.add_middleware(SecurityHeaders, asset_origin=settings.asset_origin)
