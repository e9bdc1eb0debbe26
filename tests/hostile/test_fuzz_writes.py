"""Schemathesis over the write endpoints of a real server, with an instructor's token: notes, tours and probe
uploads, valid and invalid bodies, every check; no answer is a 5xx, every refusal is documented."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from notes import tokens
from notes.book import NotesBook
from tests.hostile.conftest import serving
from tests.live import clean_env
from tests.schemathesis_checks import ACCEPTED, ALL_CHECKS, CHECKS_CONFIG, MAX_EXAMPLES

pytestmark = pytest.mark.slow  # some 2,000 requests to a real server: minutes

WRITES = ("POST", "PUT", "DELETE")
# Refusals a JSON Schema cannot foresee: whether a stop's unit lies inside its layer, or the address's slug is the
# body's, depends on the store and the path (422); whether bytes decode as an image depends on the bytes (415, 422).
SEMANTIC = {("PUT", "/api/v1/tours/{slug}"): ["422"], ("POST", "/api/v1/models/{model}/probe"): ["415", "422"]}
# A fixed seed by default, so that the suite is the same on every run (a landing never waits on a new draw); set
# MICROSCOPE_FUZZ_SEED to draw other examples.
SEED = int(os.environ.get("MICROSCOPE_FUZZ_SEED", "21"))
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all"},
        # Stored names in the paths, so that writes reach a real unit (random names only meet 404s).
        "parameters": {"path.model": "toy-net", "path.layer": "block1"},
        "checks": CHECKS_CONFIG,
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {**CHECKS_CONFIG, "positive_data_acceptance": {"expected-statuses": ACCEPTED + extra}},
            }
            for (method, path), extra in SEMANTIC.items()
        ],
    }
)


@pytest.fixture(scope="module")
def writer_server(hostile_store: Path, probe_worker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server of its own (its notes database is written to), probing through the shared worker; its schema and
    an instructor's token."""
    folder = tmp_path_factory.mktemp("fuzz")
    notes_db = f"sqlite:///{folder / 'notes.sqlite'}"
    with NotesBook(notes_db).writing() as session:
        token = tokens.create(session, "fuzzer")
    env = clean_env(MICROSCOPE_NOTES_DB=notes_db)
    with serving(hostile_store, "--probe", probe_worker, env=env, log=folder / "serve.log") as (url, _):
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=CONFIG)
        yield schema.include(method=list(WRITES)), token


@pytest.fixture(scope="module")
def write_schema(writer_server: Any) -> Any:
    """The write operations of the published schema."""
    return writer_server[0]


@pytest.fixture(scope="module")
def token(writer_server: Any) -> str:
    """The fuzzer's live instructor token."""
    return writer_server[1]


writes = schemathesis.pytest.from_fixture("write_schema")


@writes.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_writes_with_a_token_answer_as_the_schema_says(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS, timeout=60)
