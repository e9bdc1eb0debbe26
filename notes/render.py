"""A note's Markdown as HTML that carries no HTML of its own: raw HTML is escaped, unsafe links are dropped."""

from __future__ import annotations

from markdown_it import MarkdownIt

# CommonMark with `html` off: `<script>` in a note is text. markdown-it also refuses javascript:/data: link targets.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def note_html(body: str) -> str:
    """The note's Markdown rendered to safe HTML."""
    return _MARKDOWN.render(body)
