"""The API docs load Swagger UI from this service, and the schema describes redirects and asset errors as served."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

SHA = "0" * 64


def test_docs_load_every_file_from_this_service(client: TestClient) -> None:
    html = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_docs_start_swagger_ui_over_the_schema(client: TestClient) -> None:
    html = client.get("/docs").text
    assert 'data-openapi-url="/openapi.json"' in html
    assert "SwaggerUIBundle(" in client.get("/static/docs.js").text
    assert "SwaggerUIBundle" in client.get("/docs/swagger-ui/swagger-ui-bundle.js").text


def test_redoc_is_not_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


def test_schema_describes_redirects_by_their_status_and_location(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/models/{model}/units", "/api/v1/models/{model}/units/{ref}"):
        responses = paths[path]["get"]["responses"]
        assert "content" not in responses["302"] and "Location" in responses["302"]["headers"], path
        answer = client.get(
            path.format(model="toy-net", ref="block1:2") + ("?ref=block1:2" if "ref" not in path else "")
        )
        assert answer.status_code == 302 and answer.content == b""


def test_schema_describes_the_asset_404_as_the_html_page_served(client: TestClient) -> None:
    declared = client.get("/openapi.json").json()["paths"]["/assets/{sha256}.{ext}"]["get"]["responses"]["404"]
    answer = client.get(f"/assets/{SHA}.png")
    assert answer.status_code == 404
    assert list(declared["content"]) == [answer.headers["content-type"].split(";")[0]] == ["text/html"]


def test_docs_show_the_notebook_example_and_link_its_file(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "Data out: notebooks" in html
    assert 'href="/static/notebook_example.py"' in html
    assert "import httpx" in html and "/units.jsonl" in html
    assert client.get("/static/notebook_example.py").status_code == 200
