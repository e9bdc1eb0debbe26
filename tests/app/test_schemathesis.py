"""Schemathesis over the OpenAPI schema: every operation, valid and invalid inputs, every check, bounded examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from app.config import Settings
from app.main import create_app

MAX_EXAMPLES = 25  # per operation and phase: the whole run stays well under a minute on two busy cores
# Both modes: valid inputs must be answered as documented, invalid ones refused with a documented 4xx: Schemathesis's
# list, and 413 and 414 for a body or query over its limit (app/limits.py).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
CHECKS_CONFIG = {"negative_data_rejection": {"expected-statuses": REFUSALS}}
CONFIG = SchemathesisConfig.from_dict({"generation": {"mode": "all"}, "checks": CHECKS_CONFIG})
# Random names only meet 404s; a second run pins the stored model and layer, so units, refs and redirects are found.
STORED = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all"},
        "checks": CHECKS_CONFIG,
        "parameters": {"path.model": "toy-net", "path.layer": "block1"},
    }
)

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())


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
