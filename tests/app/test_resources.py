"""Pages declared once with their JSON twins (app.web.page.Page, app.resources.PAGES): registered, documented, and
answering the same response model as page and JSON."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi.testclient import TestClient

import app
from app.resources import PAGES
from app.web.page import Page


def _declared() -> list[Page]:
    found = []
    for info in pkgutil.iter_modules(app.__path__):
        if info.ispkg:
            try:
                module = importlib.import_module(f"app.{info.name}.pages")
            except ModuleNotFoundError:
                continue
            found += [value for value in vars(module).values() if isinstance(value, Page)]
    return found


def test_every_declared_page_is_registered_once() -> None:
    declared = _declared()
    assert declared and sorted(p.route.name for p in declared) == sorted(p.route.name for p in PAGES)


def test_each_declared_page_and_its_twin_are_served_and_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["paths"]
    for page in PAGES:
        operation = schema[page.route.api.path]["get"]
        assert operation["summary"] == "Get " + page.route.name.replace("_", " ").title()
        assert operation["description"] == page.description and operation["tags"] == list(page.tags)
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
            page.response_model.__name__
        )
        assert {"404", "422"} <= set(operation["responses"])  # the API router's documented refusals
        assert page.route.path not in schema  # the page itself is not in the API's schema


def test_the_findings_page_shows_what_its_twin_answers(client: TestClient) -> None:
    twin = client.get("/api/v1/models/toy-net/findings")
    page = client.get("/models/toy-net/findings")
    assert twin.status_code == page.status_code == 200
    assert page.headers["content-type"].startswith("text/html") and twin.json()["url"] == "/models/toy-net/findings"


def test_a_declared_page_and_its_twin_404_alike_naming_what_exists(client: TestClient) -> None:
    twin = client.get("/api/v1/models/nope/findings")
    page = client.get("/models/nope/findings")
    assert twin.status_code == page.status_code == 404
    assert "toy-net" in twin.json()["detail"] and "toy-net" in page.text
