"""Schemathesis over the OpenAPI schema: every operation, valid and invalid inputs, every check, bounded examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.main import create_app
from app.web.config import Settings
from tests.schemathesis_checks import ALL_CHECKS, CHECKS_CONFIG, MAX_EXAMPLES

CONFIG = SchemathesisConfig.from_dict({"generation": {"mode": "all"}, "checks": CHECKS_CONFIG})
# Random names only meet 404s; a second run pins the stored model and layer, so units, refs and redirects are found.
STORED = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all"},
        "checks": CHECKS_CONFIG,
        "parameters": {"path.model": "toy-net", "path.layer": "block1"},
    }
)


@pytest.fixture(scope="module")
def api_schema(toy_store: Path) -> Any:
    """The schema the service publishes, called in-process over ASGI on the toy store."""
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(store=toy_store)), config=CONFIG)


@pytest.fixture(scope="module")
def stored_schema(toy_store: Path) -> Any:
    """The same, with the model and layer in every path set to stored ones."""
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(store=toy_store)), config=STORED)


schema = schemathesis.pytest.from_fixture("api_schema")
stored = schemathesis.pytest.from_fixture("stored_schema")
BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@BOUNDED
def test_api_answers_as_its_schema_says(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=ALL_CHECKS)


@stored.parametrize()
@BOUNDED
def test_api_answers_stored_units_as_its_schema_says(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=ALL_CHECKS)
