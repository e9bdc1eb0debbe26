"""Every page of the toy store links its JSON, and that JSON links back to the page (walked from the index)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

ALTERNATE = re.compile(r'<link rel="alternate" type="application/json" href="([^"]+)">')
HREF = re.compile(r'<a [^>]*href="(/[^"#]*)"')
# Pages the walk must reach: the kinds the data-out audit covers (model, layer, unit, weights, circuit, family).
KINDS = {
    "model": re.compile(r"^/models/[^/]+$"),
    "layer": re.compile(r"^/models/[^/]+/layers/[^/]+$"),
    "unit": re.compile(r"^/models/[^/]+/layers/[^/]+/units/\d+$"),
    "weights": re.compile(r"^/models/[^/]+/layers/[^/]+/weights$"),
    "circuit": re.compile(r"^/models/[^/]+/circuit$"),
}
# Not linked from the toy store's pages. (It has no branches or feature families: test_branches and test_families
# check those pages' JSON links on stores that have them.)
EXTRA = ["/compare?family=curves"]
MAX_PAGES = 40


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith(("/models/", "/compare")) and "/probe" not in path


def _kind(path: str) -> str:
    # One visit per path and query name: a circuit's or grid's many unit lists and orders add nothing.
    parts = urlsplit(path)
    return parts.path + "?" + ",".join(sorted(name.partition("=")[0] for name in parts.query.split("&")))


def walk(client: TestClient) -> dict[str, str]:
    """Each HTML page reached from the index (and EXTRA) by its links, with its JSON alternate."""
    queue, seen, found = ["/", *EXTRA], set(), {}
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        if _kind(path) in seen:
            continue
        seen.add(_kind(path))
        response = client.get(path, follow_redirects=True)
        if response.status_code != 200 or not response.headers["content-type"].startswith("text/html"):
            continue
        alternate = ALTERNATE.search(response.text)
        found[path] = unescape(alternate.group(1)) if alternate else ""
        queue += [link for link in map(unescape, HREF.findall(response.text)) if _is_page(link)]
    return found


def test_every_page_links_json_that_links_back_to_it(client: TestClient) -> None:
    pages = walk(client)
    reached = {kind for kind, pattern in KINDS.items() for path in pages if pattern.match(urlsplit(path).path)}
    assert reached == set(KINDS), f"the walk missed {set(KINDS) - reached}"
    for page, api in pages.items():
        assert api, f"{page} has no JSON alternate"
        body = client.get(api, follow_redirects=True).json()
        assert isinstance(body, dict) and "url" in body, f"{api} (JSON of {page}) has no url"
        assert urlsplit(body["url"]).path == urlsplit(page).path, f"{api} links to {body['url']}, not {page}"
        html = unescape(client.get(page).text)
        header = re.search(rf'<a class="json-link" href="{re.escape(api)}"', html)
        assert header, f"{page} has no JSON link in its header"
