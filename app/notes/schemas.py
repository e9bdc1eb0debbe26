"""Response and request models of instructors' notes (the unit JSON carries a `NotePublic`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.web.paging import TrailPagePublic
from notes.book import Note
from notes.render import note_html


class NoteIn(BaseModel):
    """What an instructor writes: a short label and a Markdown note."""

    label: str = Field("", max_length=200, description="a short hand label, e.g. 'curve detector'")
    body: str = Field("", max_length=20_000, description="Markdown; raw HTML is shown as text")


class NotePublic(BaseModel):
    """An instructor's note on a unit, with its Markdown rendered safely."""

    label: str
    body: str = Field(description="the note as written (Markdown)")
    html: str = Field(description="the note rendered: Markdown without raw HTML")
    author: str
    created: datetime
    updated: datetime
    api_url: str = Field(description="where the note is read and written (PUT/DELETE need an instructor token)")


class EditPublic(BaseModel):
    """One entry of the audit trail: who changed which unit's note, when, how, and its label and body before and
    after (null where there was no note; the Markdown as written, shown as text)."""

    ref: str = Field(description="the unit, e.g. 'inceptionv1/mixed4b:409'")
    model: str
    layer: str
    unit: int
    author: str
    at: datetime
    action: str = Field(description="'create', 'update', 'delete' or 'import'")
    label_before: str | None
    label_after: str | None
    body_before: str | None
    body_after: str | None
    unit_url: str
    history_url: str = Field(description="the audit trail of this unit's note")


class HistoryPublic(TrailPagePublic):
    """A page of the audit trail of note edits, newest first: every note's, or one unit's."""

    title: str
    unit: str | None = Field(description="the unit whose note's trail this is, or null for every note")
    edits: list[EditPublic]


def note_public(note: Note, api_url: str) -> NotePublic:
    """A stored note as the API shows it."""
    return NotePublic(
        label=note.label, body=note.body, html=note_html(note.body), author=note.author,
        created=note.created, updated=note.updated, api_url=api_url,
    )  # fmt: skip
