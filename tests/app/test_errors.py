"""Errors: JSON `{"detail"}` under /api, an HTML page elsewhere, with the right status and what exists."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_api_errors_are_json_detail(client: TestClient) -> None:
    response = client.get("/api/v1/models/toy-net/layers/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_page_errors_are_html_with_status_and_message(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no layer &#39;nope&#39; in model &#39;toy-net&#39;; layers: conv1, block1, fc" in response.text
    assert '<span class="status">404</span>' in response.text


def test_error_page_links_what_exists(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/nope").text
    for layer in ("conv1", "block1", "fc"):
        assert f'<a href="/models/toy-net/layers/{layer}">{layer}</a>' in html


def test_unknown_model_page_links_models(client: TestClient) -> None:
    response = client.get("/models/nope")
    assert response.status_code == 404
    assert '<a href="/models/toy-net">toy-net</a>' in response.text


def test_unknown_unit_page_names_range_and_links_layer(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/conv1/units/7")
    assert response.status_code == 404
    assert "unit 7 out of range: conv1 has units 0–3" in response.text
    assert 'href="/models/toy-net/layers/conv1"' in response.text


def test_non_integer_unit_page_is_404_html(client: TestClient) -> None:
    response = client.get("/models/toy-net/layers/conv1/units/x")
    assert response.status_code == 404
    assert "unit must be a non-negative integer" in response.text


def test_unknown_route_is_404_in_the_right_format(client: TestClient) -> None:
    assert client.get("/api/v1/nowhere").json() == {"detail": "Not Found"}
    page = client.get("/nowhere")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
