"""X-Forwarded-Proto and X-Forwarded-For from a client on loopback: believed only from the proxies named by
--forwarded-allow-ips (none by default), never leaking into the page the next client gets from the cache, and never
over --public-url."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.hostile.conftest import serving
from tests.live import tail

PAGE = "/models/toy-net/layers/block1/units/2"
FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
_LINKS = re.compile(r'<meta property="og:url" content="([^"]*)">|<link rel="canonical" href="([^"]*)">')


def _links(client: httpx.Client, headers: dict[str, str] | None = None) -> set[str]:
    """The page's og:url and canonical link, asked for with `headers`."""
    response = client.get(PAGE, headers=headers)
    assert response.status_code == 200, response.text
    links = {a or b for a, b in _LINKS.findall(response.text)}
    assert len(links) == 1, links  # og:url and canonical agree
    return links


@pytest.mark.parametrize("workers", [1, 2])
def test_forwarded_headers_from_an_untrusted_client_change_nothing(
    hostile_store: Path, tmp_path: Path, workers: int
) -> None:
    log = tmp_path / "serve.log"
    with serving(hostile_store, "--workers", str(workers), log=log) as (url, _):
        with httpx.Client(base_url=url, timeout=30) as client:  # one connection: one worker
            forged = _links(client, FORGED)  # first: it would fill the cache
            after = [_links(client)]
        for _ in range(2 * workers):  # new connections, spread over the workers
            with httpx.Client(base_url=url, timeout=30) as client:
                after.append(_links(client))
    assert forged == {url + PAGE} and all(links == forged for links in after), tail(log)
    # The access log names the connection's own address for every request, the forged one too.
    logged = re.findall(r'(\S+) - "GET ' + re.escape(PAGE), log.read_text())
    assert len(logged) == 2 + 2 * workers and all(c.startswith("127.0.0.1:") for c in logged), tail(log)


def test_a_trusted_proxy_sets_the_scheme_and_each_scheme_is_cached_apart(hostile_store: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    options = ("--workers", "2", "--forwarded-allow-ips", "127.0.0.1")
    # One connection, so both schemes meet in one worker's cache.
    with serving(hostile_store, *options, log=log) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        answers = [_links(client, FORGED if i % 2 else {}) for i in range(8)]
    secure = "https" + url.removeprefix("http") + PAGE
    assert answers == [{url + PAGE}, {secure}] * 4, tail(log)
    logged = re.findall(r'(\S+) - "GET ' + re.escape(PAGE), log.read_text())
    assert sorted(c.split(":")[0] for c in logged) == ["127.0.0.1"] * 4 + ["203.0.113.7"] * 4, tail(log)


def test_the_public_url_wins_over_a_trusted_proxy(hostile_store: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    options = ("--public-url", "https://x.example", "--forwarded-allow-ips", "127.0.0.1")
    with serving(hostile_store, *options, log=log) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        answers = [_links(client, headers) for headers in ({"X-Forwarded-Proto": "http"}, {}, FORGED)]
    assert answers == [{"https://x.example" + PAGE}] * 3, tail(log)
