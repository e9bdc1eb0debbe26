"""One URL per unit: other spellings of a unit's number redirect to the canonical page and JSON, or 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.store import test_refs as refs_tests

PAGE = "/models/toy-net/layers/block1/units/"
API = "/api/v1" + PAGE
# Spellings that mean unit 2 unambiguously (tests/store/test_refs.py reads them without a URL), then one URL-quoted.
SAME_NUMBER = [*refs_tests.SAME_NUMBER, "%EF%BC%92"]
# Not a unit number, as tests/store/test_refs.py lists them, plus spaces quoted in a URL.
NOT_A_NUMBER = [*refs_tests.NOT_A_NUMBER, "%202", "2%20"]


@pytest.mark.parametrize("prefix", [PAGE, API])
def test_canonical_unit_number_answers_200(client: TestClient, prefix: str) -> None:
    assert client.get(prefix + "2").status_code == 200


@pytest.mark.parametrize("prefix", [PAGE, API])
@pytest.mark.parametrize("spelling", SAME_NUMBER)
def test_other_spelling_of_a_unit_number_redirects_permanently_to_the_canonical_url(
    client: TestClient, prefix: str, spelling: str
) -> None:
    response = client.get(prefix + spelling)
    assert response.status_code == 301
    assert response.headers["location"] == prefix + "2"


@pytest.mark.parametrize("prefix", [PAGE, API])
@pytest.mark.parametrize("spelling", [s for s in NOT_A_NUMBER if s])
def test_spelling_that_names_no_number_is_404(client: TestClient, prefix: str, spelling: str) -> None:
    response = client.get(prefix + spelling)
    assert response.status_code == 404
    assert "unit must be a non-negative integer" in response.text


def test_redirect_keeps_the_query(client: TestClient) -> None:
    assert client.get(API + "02?pretty=1").headers["location"] == API + "2?pretty=1"


@pytest.mark.parametrize("prefix", [PAGE, API])
def test_out_of_range_spelling_is_404_without_a_redirect(client: TestClient, prefix: str) -> None:
    for spelling in ("06", "+6", "6.0", "0" * 30 + "6", "9" * 40):
        response = client.get(prefix + spelling)
        assert response.status_code == 404
        assert "block1 has units 0–5" in response.text


def test_microscope_url_takes_the_same_spellings(client: TestClient) -> None:
    assert client.get("/models/toy-net/block1_0/٢").headers["location"] == PAGE + "2"
    assert client.get("/models/toy-net/block1_0/-2").status_code == 404


def test_qualified_ref_opens_with_at_in_the_path_and_slash_in_the_search_box(client: TestClient) -> None:
    assert client.get("/models/toy-net/units/toy-net@block1:2").headers["location"] == PAGE + "2"
    assert client.get("/search", params={"q": "toy-net/block1:2"}).headers["location"] == PAGE + "2"
