"""The Content-Security-Policy the service promises, shared by the security and asset-host tests."""

from __future__ import annotations

# The Content-Security-Policy every answer promises, spelled out here rather than read from app.web.security: scripts,
# styles and fetches from the service only (no script-src: scripts fall back to default-src), no plugins, no <base>,
# forms to the service, never framed.
POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy header as {directive: its sources}."""
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
