"""A page's meta tags read as a chat client's unfurler reads them (the link-preview tests of cards and asset hosts)."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient


class MetaTags(HTMLParser):
    """The `<meta property|name=… content=…>` tags of a page, as an unfurler collects them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key and values.get("content") is not None:
            self.found.setdefault(key, values["content"] or "")


def meta(client: TestClient, path: str) -> dict[str, str]:
    """The meta tags of the page at `path` (a 200), by property or name, the first of each kept."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    parser = MetaTags()
    parser.feed(response.text)
    return parser.found
