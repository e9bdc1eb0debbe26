"""Hostile tours against the real service: a 5,000-digit unit number, a unit outside its layer, 20,000 stops and
YAML nested 1,000 deep are refused with a message naming what is allowed, nothing is saved, the tour's pages never
answer 500, and the keep-alive connection that sent the bad file answers its next request."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

import pytest

from tests.hostile.conftest import DEMO, Stack

HUGE = f"{DEMO}/mixed3b:" + "9" * 5000  # int() refuses more than 4,300 digits
DEEP = {
    "lists": "slug: deep\ntitle: Deep\nstops: " + "[" * 1000 + "]" * 1000 + "\n",
    "mappings": "{a: " * 2000 + "1" + "}" * 2000 + "\n",
}


def _tour(slug: str, *units: str) -> dict[str, object]:
    return {"slug": slug, "title": f"Tour {slug}", "stops": [{"unit": unit} for unit in units]}


def _put(stack: Stack, slug: str, tour: dict[str, object]) -> tuple[int, str]:
    """PUT a tour with the instructor's token: the status and the JSON detail (or the whole answer)."""
    headers = {"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json"}
    body = json.dumps(tour).encode()
    request = urllib.request.Request(f"{stack.url}/api/v1/tours/{slug}", data=body, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text).get("detail", text) if text.startswith("{") else text


def _status(stack: Stack, path: str) -> int:
    try:
        with urllib.request.urlopen(stack.url + path, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _signed_in(stack: Stack) -> tuple[str, str]:
    """Sign in through the form as a browser does: the Cookie header it then sends, and the editor's CSRF token."""
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    csrf = _csrf(browser.open(f"{stack.url}/instructor?next=/tours", timeout=60).read().decode())
    form = urlencode({"token": stack.token, "csrf": csrf, "next": "/tours"}).encode()
    browser.open(f"{stack.url}/instructor", data=form, timeout=60).read()
    editor = browser.open(f"{stack.url}/tours/new-tour/edit", timeout=60).read().decode()
    assert "slug: new-tour" in editor, "the editor needs a signed-in instructor"
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), _csrf(editor)


def _post_tour(connection: http.client.HTTPConnection, signed_in: tuple[str, str], text: str) -> tuple[int, str]:
    """POST a tour file from the editor's form on `connection` (kept alive): the status and the page."""
    cookie, csrf = signed_in
    body = urlencode({"tour": text, "csrf": csrf})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/tours", body=body, headers=headers)
    answer = connection.getresponse()
    return answer.status, answer.read().decode()


def _connection(stack: Stack) -> http.client.HTTPConnection:
    where = urlsplit(stack.url)
    return http.client.HTTPConnection(where.hostname or "", where.port, timeout=60)


def _nothing_saved(stack: Stack, slug: str) -> None:
    for path in (f"/tours/{slug}", f"/api/v1/tours/{slug}", f"/tours/{slug}/present"):
        assert _status(stack, path) == 404, path


def test_a_5000_digit_unit_is_refused_by_put_and_by_the_editor_and_nothing_is_saved(stack: Stack) -> None:
    status, detail = _put(stack, "hugeunit", _tour("hugeunit", HUGE))
    assert status == 422 and "1–9 digits 0–9" in detail
    connection = _connection(stack)
    status, page = _post_tour(connection, _signed_in(stack), json.dumps(_tour("hugeunit", HUGE)))
    assert status == 400 and "1–9 digits 0–9" in page
    _nothing_saved(stack, "hugeunit")


def test_a_unit_outside_its_layer_is_refused_naming_the_layers_range(stack: Stack) -> None:
    status, detail = _put(stack, "outside", _tour("outside", f"{DEMO}/mixed3b:9999", "other-net/fc:0"))
    assert status == 422 and f"stop 1 ({DEMO}/mixed3b:9999): unit 9999 out of range: mixed3b has units 0–191" in detail
    connection = _connection(stack)
    status, page = _post_tour(connection, _signed_in(stack), json.dumps(_tour("outside", f"{DEMO}/nope:1")))
    assert status == 422 and "no layer &#39;nope&#39;" in page
    _nothing_saved(stack, "outside")


def test_a_20000_stop_tour_is_refused_naming_the_limit_and_search_still_answers(stack: Stack) -> None:
    status, detail = _put(stack, "huge-tour", _tour("huge-tour", *[f"{DEMO}/mixed3b:{i % 192}" for i in range(20_000)]))
    assert status in (413, 422) and "MICROSCOPE_LIMIT_" in detail  # the body's size, or the stops, named
    connection = _connection(stack)
    yaml_file = "slug: huge-tour\ntitle: Huge\nstops:\n" + f"  - unit: {DEMO}/mixed3b:1\n" * 201
    status, page = _post_tour(connection, _signed_in(stack), yaml_file)
    assert status == 400 and "has 201 stops; the limit is 200 stops" in page and "MICROSCOPE_LIMIT_TOUR_STOPS" in page
    _nothing_saved(stack, "huge-tour")
    assert _status(stack, "/api/v1/search?q=huge") == 200


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_yaml_in_the_editor_is_refused_and_the_same_connection_answers_next(stack: Stack, text: str) -> None:
    connection = _connection(stack)
    status, page = _post_tour(connection, _signed_in(stack), text)
    assert status == 400 and "MICROSCOPE_LIMIT_TOUR_DEPTH" in page
    connection.request("GET", "/api/v1/tours")  # the same keep-alive connection
    answer = connection.getresponse()
    assert answer.status == 200 and "tours" in json.loads(answer.read())
    assert "RecursionError" not in stack.log.read_text(errors="replace")
