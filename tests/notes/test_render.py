"""Notes render as Markdown without raw HTML."""

from __future__ import annotations

from notes.render import note_html


def test_a_script_tag_renders_as_text() -> None:
    html = note_html("hi <script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_markdown_renders() -> None:
    assert note_html("**bold** [a](/models/m)") == '<p><strong>bold</strong> <a href="/models/m">a</a></p>\n'


def test_a_javascript_link_is_not_a_link() -> None:
    assert "href" not in note_html("[x](javascript:alert(1))")
