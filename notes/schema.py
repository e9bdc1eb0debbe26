"""The annotation tables: one note per unit, every edit of it, the instructors' hashed tokens, and tours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The annotation database's metadata (separate from store.schema's)."""


class NoteRow(Base):
    """The current label and Markdown note of one unit."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("model", "layer", "unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    layer: Mapped[str] = mapped_column(String(200))
    unit: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered without raw HTML
    author: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EditRow(Base):
    """One change to a note: who, when, and the label and body before and after (empty when absent)."""

    __tablename__ = "note_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # increasing: its maximum versions the notes
    model: Mapped[str] = mapped_column(String(200))
    layer: Mapped[str] = mapped_column(String(200))
    unit: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, import
    label_before: Mapped[str | None] = mapped_column(String(200))
    body_before: Mapped[str | None] = mapped_column(Text)
    label_after: Mapped[str | None] = mapped_column(String(200))
    body_after: Mapped[str | None] = mapped_column(Text)


class TokenRow(Base):
    """An instructor's token, stored as a salted scrypt hash; revoking keeps the row for the audit trail."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # the token's public first characters: finds the row
    salt: Mapped[bytes] = mapped_column()
    digest: Mapped[bytes] = mapped_column()
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TourRow(Base):
    """A tour: an ordered, captioned list of stops (units or circuit pages) under its own slug."""

    __tablename__ = "tours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    author: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StopRow(Base):
    """One stop of a tour, at its position: a unit (`layer` and `unit`) or a circuit (`units`) of `model`."""

    __tablename__ = "tour_stops"
    __table_args__ = (UniqueConstraint("tour_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tours.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # unit, circuit, experiment
    model: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(2000))  # 'layer:unit', or a circuit's units 'mixed3b:1,2;mixed4a:3'
    caption: Mapped[str] = mapped_column(Text, default="")  # Markdown
    claims: Mapped[str | None] = mapped_column(Text)  # JSON: a list of notes.claims.Claim; none when it has none


class TourEditRow(Base):
    """One change to a tour: who, when, and the tour file before and after (JSON; empty when absent)."""

    __tablename__ = "tour_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # increasing: with the notes' edits, versions pages
    slug: Mapped[str] = mapped_column(String(100), index=True)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, import
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


__all__ = ["Base", "EditRow", "NoteRow", "StopRow", "TokenRow", "TourEditRow", "TourRow"]
