"""Instructor tokens: made once, shown once, kept only as a salted scrypt hash, revocable by name."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notes.schema import TokenRow

PREFIX_CHARS = 8  # the first characters of a token, stored in the clear to find its row without hashing every row
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # the interactive-login parameters the scrypt paper suggests


@dataclass(frozen=True)
class TokenInfo:
    """A token's public facts (never the token)."""

    name: str
    prefix: str
    created: datetime
    revoked: datetime | None


def _digest(token: str, salt: bytes) -> bytes:
    return hashlib.scrypt(token.encode(), salt=salt, **_SCRYPT)


class _CheckedDigests:
    """The scrypt digests of the tokens checked lately, keyed by a SHA-256 of salt and token (never the token itself):
    scrypt costs some 60 ms of CPU on purpose, and an instructor's every write would otherwise pay it again for the
    same token. Revoking still takes effect at once: `holder` asks the database for a live row on every check."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._digests: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()  # write requests check tokens on a thread pool

    def __call__(self, token: str, salt: bytes) -> bytes:
        key = hashlib.sha256(salt + token.encode()).digest()
        with self._lock:
            if (digest := self._digests.get(key)) is not None:
                self._digests.move_to_end(key)
                return digest
        digest = _digest(token, salt)
        with self._lock:
            self._digests[key] = digest
            if len(self._digests) > self._size:
                self._digests.popitem(last=False)
        return digest


_checked = _CheckedDigests(256)


def create(session: Session, name: str) -> str:
    """A new token for `name`, returned once; a ValueError if the name already has one (revoked or not)."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name (the instructor's)")
    if session.scalar(select(TokenRow).where(TokenRow.name == name)) is not None:
        raise ValueError(f"a token named {name!r} exists; revoke it and choose another name")
    token = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    row = TokenRow(name=name, prefix=token[:PREFIX_CHARS], salt=salt, digest=_digest(token, salt))
    row.created = datetime.now(UTC)
    session.add(row)
    return token


def revoke(session: Session, name: str) -> None:
    """Revoke `name`'s token; a KeyError listing the live names if there is none to revoke."""
    row = session.scalar(select(TokenRow).where(TokenRow.name == name, TokenRow.revoked.is_(None)))
    if row is None:
        live = [info.name for info in listed(session) if info.revoked is None]
        raise KeyError(f"no live token named {name!r}; live tokens: {', '.join(live) or 'none'}")
    row.revoked = datetime.now(UTC)


def listed(session: Session) -> list[TokenInfo]:
    """Every token ever made, oldest first."""
    rows = session.scalars(select(TokenRow).order_by(TokenRow.id))
    return [TokenInfo(r.name, r.prefix, r.created, r.revoked) for r in rows]


def holder(session: Session, token: str) -> str | None:
    """The name whose live token this is, else None."""
    if len(token) <= PREFIX_CHARS:
        return None
    candidates = session.scalars(
        select(TokenRow).where(TokenRow.prefix == token[:PREFIX_CHARS], TokenRow.revoked.is_(None))
    )
    for row in candidates:
        if hmac.compare_digest(_checked(token, row.salt), row.digest):
            return row.name
    return None
