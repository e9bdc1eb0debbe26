"""The app factory: one reader, docs, static files, and no torch anywhere in the import graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app import urls
from app.main import create_app
from app.web.config import Settings


def test_importing_the_app_never_imports_torch() -> None:
    code = "import sys, app.main, app.server; sys.exit('torch' in sys.modules)"
    repo = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=repo, check=False).returncode == 0


def test_openapi_documents_every_api_route_with_a_response_model(client: TestClient, app_routes: list[Any]) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    api_routes = [r for r in app_routes if r.path.startswith(urls.API)]
    assert api_routes and all(r.include_in_schema for r in api_routes), "every API route is in the docs"
    for route in (r for r in api_routes if "GET" in r.methods):
        responses = paths[route.path]["get"]["responses"]
        status = route.status_code or 200
        if 300 <= status < 400:  # a redirect answers no body, so it declares its status and no model
            assert str(status) in responses and "200" not in responses, route.path
        elif "application/json" not in responses["200"].get("content", {"application/json": {}}):
            assert responses["200"]["content"], route.path  # a file download documents its media type instead
        else:
            assert "$ref" in str(responses["200"]), route.path
    assert not any(p.startswith("/models") for p in paths), "HTML pages stay out of the API docs"


def test_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200


def test_static_files_are_served(client: TestClient) -> None:
    assert "image-rendering: pixelated" in client.get("/static/style.css").text
    assert client.get("/static/microscope.js").status_code == 200


def test_head_requests_answer_like_get_without_a_body(toy_store: Path) -> None:
    client = TestClient(create_app(Settings(store=toy_store)))
    for path in ("/", "/models/toy-net/layers/block1/units/2", "/api/v1/models/toy-net"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.content == b""
    assert client.head("/models/nope").status_code == 404


def test_openapi_names_operations_by_their_handlers_not_the_route_table(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/models/{model}/layers/{layer}/units/{unit}"]["get"]
    assert operation["summary"] == "Get Unit"
    assert operation["operationId"] == "get_unit_api_v1_models__model__layers__layer__units__unit__get"
