"""Security headers on every answer, CORS on the public API and assets, and no client-chosen host in any page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from tests.app.web.csp import POLICY, directives

UNIT_PAGE = "/models/toy-net/layers/block1/units/2"
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
ANSWERS = [
    "/",
    UNIT_PAGE,
    "/models/nope",
    "/api/v1/models/toy-net",
    "/api/v1/models/nope",
    "/docs",
    "/openapi.json",
    "/static/style.css",
    "/assets/" + "0" * 64 + ".png",
    "/models/toy-net/units/block1:2",
]


@pytest.fixture(scope="module")
def public_client(toy_store: Path) -> Iterator[TestClient]:
    """A client of a service configured with a public URL."""
    settings = Settings(store=toy_store, public_url="https://microscope.example.org/")
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ANSWERS)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert directives(headers["content-security-policy"]) == POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", UNIT_PAGE, "/models/toy-net/layers/block1", "/docs", "/models/nope"])
def test_pages_hold_no_inline_script_or_style(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"\son[a-z]+=", html) == []  # no event handler attributes either


@pytest.mark.parametrize("path", ["/api/v1/models/toy-net", "/api/v1", "/api/v1/models/nope"])
def test_api_is_readable_from_any_origin(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": "https://notebook.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_assets_are_readable_from_any_origin(client: TestClient) -> None:
    asset = client.get("/api/v1/models/toy-net/layers/block1/units/2").json()["feature_vis"][0]["url"]
    for method in (client.get, client.head):
        response = method(asset, headers={"Origin": "https://notebook.example"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"


def test_api_preflight_allows_get_and_head_only(client: TestClient) -> None:
    preflight = {"Origin": "https://notebook.example", "Access-Control-Request-Method": "GET"}
    response = client.options("/api/v1/models", headers=preflight)
    assert response.status_code == 200
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {"GET", "HEAD"}
    refused = client.options("/api/v1/models", headers={**preflight, "Access-Control-Request-Method": "DELETE"})
    assert refused.status_code == 400


def test_pages_are_not_opened_to_other_origins(client: TestClient) -> None:
    response = client.get(UNIT_PAGE, headers={"Origin": "https://notebook.example"})
    assert "access-control-allow-origin" not in response.headers


def test_hostile_host_never_appears_in_a_page(client: TestClient) -> None:
    response = client.get(UNIT_PAGE, headers=HOSTILE)
    assert response.status_code == 200
    assert "evil" not in response.text
    # Without a public URL, links use the address the connection reached (the test client's: testserver).
    assert f'<link rel="canonical" href="http://testserver{UNIT_PAGE}">' in response.text


def test_hostile_host_never_appears_in_a_redirect(client: TestClient) -> None:
    for path in (UNIT_PAGE + "/", "/models/toy-net/units/block1:2", "/api/v1/models/toy-net/units/block1:2"):
        response = client.get(path, headers=HOSTILE)
        assert 300 <= response.status_code < 400, path
        assert "evil" not in response.headers["location"], path


def test_public_url_makes_the_canonical_link_and_copy_box(public_client: TestClient) -> None:
    html = public_client.get(UNIT_PAGE, headers=HOSTILE).text
    assert f'<link rel="canonical" href="https://microscope.example.org{UNIT_PAGE}">' in html
    assert f'readonly value="https://microscope.example.org{UNIT_PAGE}"' in html
    assert "evil" not in html


def test_public_url_makes_absolute_redirects(public_client: TestClient) -> None:
    response = public_client.get(UNIT_PAGE + "/", headers=HOSTILE)
    assert response.headers["location"] == f"https://microscope.example.org{UNIT_PAGE}"


def test_requests_without_a_host_header_are_answered(client: TestClient) -> None:
    # HTTP/1.0 clients may send no Host; the service then names the address the connection reached.
    response = client.get(UNIT_PAGE, headers={"Host": ""})
    assert response.status_code == 200


def test_serve_takes_the_public_url_from_the_command_line(toy_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from app import server
    from microscope.cli import app as cli

    served: list[Any] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: served.append(app.state.settings.public_url))
    args = ["serve", "--store", str(toy_store), "--public-url"]
    assert CliRunner().invoke(cli, [*args, "https://microscope.example.org"]).exit_code == 0
    assert served == ["https://microscope.example.org"]
    refused = CliRunner().invoke(cli, [*args, "https://microscope.example.org/sub"])
    assert refused.exit_code == 2 and "public URL must be" in refused.output


def test_each_scheme_a_trusted_proxy_reports_gets_its_own_cached_page(client: TestClient) -> None:
    # The scheme in the ASGI scope is the one a trusted proxy's X-Forwarded-Proto set (uvicorn's proxy headers).
    for scheme in ("http", "https", "http", "https"):
        html = client.get(f"{scheme}://testserver{UNIT_PAGE}").text
        assert f'<link rel="canonical" href="{scheme}://testserver{UNIT_PAGE}">' in html


def test_the_public_url_wins_over_the_scheme_a_proxy_reports(toy_store: Path) -> None:
    with TestClient(create_app(Settings(store=toy_store, public_url="http://microscope.example.org"))) as plain:
        html = plain.get(f"https://testserver{UNIT_PAGE}").text
    assert f'<link rel="canonical" href="http://microscope.example.org{UNIT_PAGE}">' in html


def test_serve_takes_the_trusted_proxies_from_the_command_line(
    toy_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app import server
    from microscope.cli import app as cli

    served: list[Any] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: served.append(kw["forwarded_allow_ips"]))
    args = ["serve", "--store", str(toy_store)]
    assert CliRunner().invoke(cli, [*args, "--forwarded-allow-ips", "10.0.0.0/8"]).exit_code == 0
    assert CliRunner().invoke(cli, args, env={"MICROSCOPE_FORWARDED_ALLOW_IPS": "*"}).exit_code == 0
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert served == ["10.0.0.0/8", "*", None]
    refused = CliRunner().invoke(cli, [*args, "--forwarded-allow-ips", "my-proxy"])
    assert refused.exit_code == 2 and "trusted proxies must be IP addresses or networks" in refused.output
