"""Notes as JSON: `microscope annotations export` writes this document and `import` reads it back."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from notes.book import Note, NotesBook

FORMAT = "microscope-notes/1"


class NotesDocument(BaseModel):
    """Every note of a database, with the format it is written in (each note has `Note`'s fields, validated)."""

    format: str = FORMAT
    notes: list[Note]


def export_notes(book: NotesBook, path: Path) -> int:
    """Write every note to `path` as JSON; how many."""
    notes = book.notes()
    path.write_text(NotesDocument(notes=notes).model_dump_json(indent=2) + "\n")
    return len(notes)


def import_notes(book: NotesBook, path: Path, *, author: str) -> int:
    """Write the notes in `path` (replacing those of the same units), audited as an import by `author`; how many."""
    document = TypeAdapter(NotesDocument).validate_python(json.loads(path.read_text()))
    if document.format != FORMAT:
        raise ValueError(f"{path} is {document.format!r}, not {FORMAT!r}")
    return book.load(document.notes, author=author)
