"""Tours in the service: public pages and JSON, token-guarded writes that change nothing when refused, CSRF-checked
forms, captions as text, missing stops shown as such, 404s naming the tours, fresh pages after writes, search."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app import routes, urls
from app.main import create_app
from app.web.config import Settings
from app.web.limits import Limits
from notes import tours
from notes.book import NotesBook
from notes.schema import StopRow
from notes.tour_file import parse
from store.reader import StoreReader
from tests.app.stores import build_family_store

TOUR = {
    "slug": "toy",
    "title": "Toy tour",
    "description": "Units of the *toy* net.",
    "stops": [
        {"unit": "toy-net/conv1:1", "caption": "edges <script>alert(1)</script>"},
        {"circuit": "toy-net/conv1:0,1;block1:2", "caption": "a circuit"},
        {"unit": "other-net/fc:0", "caption": "a model the store lacks"},  # tours span stores: allowed
    ],
}
LACKING = {"unit": "toy-net/conv1:99", "caption": "a unit the store lacks"}  # refused on saving; stored before that


@pytest.fixture
def client(toy_store: Path, book: NotesBook) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=toy_store, notes_db=book.url)), follow_redirects=False) as test_client:
        yield test_client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _saved(book: NotesBook) -> None:
    """TOUR and a stop the store lacks, saved straight into the notes database, as before stops were checked."""
    stops = [*TOUR["stops"][:2], LACKING, *TOUR["stops"][2:]]  # type: ignore[misc]
    tours.put(book, parse(json.dumps({**TOUR, "stops": stops})), author="alice")


def test_a_tour_put_with_a_token_is_public_as_page_and_json(client: TestClient, issued: dict[str, str]) -> None:
    answer = client.put(urls.path(routes.API_TOUR, slug="toy"), json=TOUR, headers=_bearer(issued["alice"]))
    assert answer.status_code == 200 and answer.json()["author"] == "alice"
    listed = client.get(urls.path(routes.API_TOURS)).json()["tours"]
    assert [t["slug"] for t in listed] == ["toy"]  # the shipped demo tour needs demo-inception
    found = client.get(urls.path(routes.API_TOUR, slug="toy")).json()
    assert [s["found"] for s in found["stop_list"]] == [True, True, False]
    assert found["stop_list"][0]["images"][0]["image_url"].startswith("/assets/")
    page = client.get(urls.path(routes.TOUR, slug="toy"))
    assert (
        page.status_code == 200
        and f'type="application/json" href="{urls.path(routes.API_TOUR, slug="toy")}"' in page.text
    )
    assert client.get(urls.tour_present("toy")).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("bob", 403), ("nobody", 403)], ids=["no-token", "revoked", "unknown"]
)
def test_writes_without_a_live_token_are_refused_and_change_nothing(
    client: TestClient, book: NotesBook, issued: dict[str, str], who: str | None, status: int
) -> None:
    _saved(book)
    before = (book.generation(), tours.stored(book))
    headers = {} if who is None else _bearer(issued.get(who, "not-a-token-at-all"))
    changed = {**TOUR, "title": "Changed"}
    assert client.put(urls.path(routes.API_TOUR, slug="toy"), json=changed, headers=headers).status_code == status
    assert (
        client.put(urls.path(routes.API_TOUR, slug="new"), json={**TOUR, "slug": "new"}, headers=headers).status_code
        == status
    )
    assert client.delete(urls.path(routes.API_TOUR, slug="toy"), headers=headers).status_code == status
    assert (book.generation(), tours.stored(book)) == before


def test_a_script_in_a_caption_renders_as_text(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    for path in (urls.path(routes.TOUR, slug="toy"), urls.tour_present("toy")):
        html = client.get(path).text
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_stops_the_store_lacks_show_as_not_in_this_store(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    html = client.get(urls.path(routes.TOUR, slug="toy")).text
    assert html.count("Not in this store") == 2 and "conv1:99 is not in this store" in html
    assert "model &#39;other-net&#39; is not in this store" in html


def test_an_unknown_tour_is_a_404_naming_the_tours(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    for path in (
        urls.path(routes.API_TOUR, slug="nope"),
        urls.path(routes.TOUR, slug="nope"),
        urls.tour_present("nope"),
    ):
        answer = client.get(path)
        assert answer.status_code == 404 and "no tour &#39;nope&#39;; tours: toy" in answer.text.replace("'", "&#39;")


def test_the_tour_page_is_never_stale_after_a_write(client: TestClient, issued: dict[str, str]) -> None:
    client.put(urls.path(routes.API_TOUR, slug="toy"), json=TOUR, headers=_bearer(issued["alice"]))
    assert (
        "Toy tour" in client.get(urls.path(routes.TOUR, slug="toy")).text
        and "Toy tour" in client.get(urls.path(routes.TOURS)).text
    )
    client.put(
        urls.path(routes.API_TOUR, slug="toy"), json={**TOUR, "title": "Renamed"}, headers=_bearer(issued["alice"])
    )
    assert (
        "Renamed" in client.get(urls.path(routes.TOUR, slug="toy")).text
        and "Renamed" in client.get(urls.path(routes.TOURS)).text
    )
    assert client.delete(urls.path(routes.API_TOUR, slug="toy"), headers=_bearer(issued["alice"])).status_code == 204
    assert client.get(urls.path(routes.TOUR, slug="toy")).status_code == 404
    assert client.get(urls.path(routes.API_TOURS)).json()["tours"] == []


def test_a_put_whose_slug_differs_from_its_address_is_refused(client: TestClient, issued: dict[str, str]) -> None:
    answer = client.put(urls.path(routes.API_TOUR, slug="other"), json=TOUR, headers=_bearer(issued["alice"]))
    assert answer.status_code == 422 and "differs" in answer.json()["detail"]


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def test_a_signed_in_instructor_saves_and_deletes_tours_through_the_forms(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR, {"next": urls.path(routes.TOURS)})).text)
    client.post(
        urls.path(routes.INSTRUCTOR), data={"token": issued["alice"], "csrf": csrf, "next": urls.path(routes.TOURS)}
    )
    editor = client.get(urls.path(routes.TOUR_EDIT, slug="fresh"))
    assert "no-store" in editor.headers["cache-control"] and "slug: fresh" in editor.text
    text = "slug: fresh\ntitle: Fresh\nstops:\n  - unit: toy-net/conv1:0\n    caption: hi\n"
    assert client.post(urls.path(routes.TOURS), data={"tour": text}).status_code == 403  # no CSRF field
    assert tours.stored(book) == []
    bad = client.post(urls.path(routes.TOURS), data={"tour": text.replace("toy-net/", ""), "csrf": csrf})
    assert bad.status_code == 400 and "stop 1" in bad.text and tours.stored(book) == []
    saved = client.post(urls.path(routes.TOURS), data={"tour": text, "csrf": csrf})
    assert saved.status_code == 303 and saved.headers["location"] == urls.path(routes.TOUR, slug="fresh")
    assert tours.stored_tour(book, "fresh").author == "alice"  # type: ignore[union-attr]
    assert client.post(urls.path(routes.TOUR_DELETE, slug="fresh"), data={}).status_code == 403 and tours.stored(book)
    assert client.post(urls.path(routes.TOUR_DELETE, slug="fresh"), data={"csrf": csrf}).status_code == 303
    assert tours.stored(book) == []


def test_a_form_post_without_signing_in_is_refused(client: TestClient, book: NotesBook) -> None:
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR, {"next": urls.path(routes.TOURS)})).text)
    answer = client.post(urls.path(routes.TOURS), data={"tour": json.dumps(TOUR), "csrf": csrf})
    assert answer.status_code == 403 and tours.stored(book) == []


def test_search_finds_tours_by_title_and_caption(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    by_title = client.get(urls.path(routes.API_SEARCH, {"q": "toy tour"})).json()["hits"]
    assert any(h["kind"] == "tour" and h["url"] == urls.path(routes.TOUR, slug="toy") for h in by_title)
    by_caption = [
        h for h in client.get(urls.path(routes.API_SEARCH, {"q": "a circuit"})).json()["hits"] if h["kind"] == "tour"
    ]
    assert [(h["field"], h["match"]) for h in by_caption] == [("caption", "substring")]


def test_the_tour_page_has_link_preview_meta(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    html = client.get(urls.path(routes.TOUR, slug="toy")).text
    assert 'property="og:title" content="Toy tour · Microscope tour"' in html
    assert re.search(
        r'property="og:image" content="http://testserver/models/toy-net/layers/conv1/units/1/card.png"', html
    )


def test_a_circuit_the_store_cannot_show_is_a_missing_stop_not_an_error(client: TestClient, book: NotesBook) -> None:
    stops = [{"circuit": "toy-net/conv1:0;fc:1", "caption": "not consecutive"}, {"circuit": "toy-net/nope:0"}]
    tours.put(book, parse(json.dumps({**TOUR, "stops": stops})), author="alice")
    found = client.get(urls.path(routes.API_TOUR, slug="toy")).json()["stop_list"]
    assert [s["found"] for s in found] == [False, False] and "not consecutive" in found[0]["missing"]
    assert client.get(urls.tour_present("toy")).status_code == 200


def _signed_in(client: TestClient, token: str) -> str:
    """Sign in through the form; the CSRF token the editor's form carries."""
    csrf = _csrf_of(client.get(urls.path(routes.INSTRUCTOR, {"next": urls.path(routes.TOURS)})).text)
    client.post(urls.path(routes.INSTRUCTOR), data={"token": token, "csrf": csrf, "next": urls.path(routes.TOURS)})
    return csrf


LACKS = {
    "unit-out-of-range": ("toy-net/conv1:99", "stop 1 (toy-net/conv1:99): unit 99 out of range: conv1 has units 0–3"),
    "unknown-layer": (
        "toy-net/nope:0",
        "stop 1 (toy-net/nope:0): no layer 'nope' in model 'toy-net'; layers: conv1, block1, fc",
    ),
}


@pytest.mark.parametrize(("unit", "message"), LACKS.values(), ids=LACKS.keys())
def test_a_stop_its_model_lacks_is_refused_422_naming_the_layers_range_and_nothing_is_saved(
    client: TestClient, book: NotesBook, issued: dict[str, str], unit: str, message: str
) -> None:
    before = book.generation()
    tour = {**TOUR, "stops": [{"unit": unit}, *TOUR["stops"]]}  # type: ignore[misc]
    answer = client.put(urls.path(routes.API_TOUR, slug="toy"), json=tour, headers=_bearer(issued["alice"]))
    assert answer.status_code == 422 and message in answer.json()["detail"]
    csrf = _signed_in(client, issued["alice"])
    page = client.post(urls.path(routes.TOURS), data={"tour": json.dumps(tour), "csrf": csrf})
    assert page.status_code == 422 and message.replace("'", "&#39;") in page.text and 'name="tour"' in page.text
    assert tours.stored(book) == [] and book.generation() == before


def test_a_circuit_its_model_lacks_is_refused_naming_what_is_wrong(client: TestClient, issued: dict[str, str]) -> None:
    tour = {**TOUR, "stops": [{"circuit": "toy-net/conv1:0,99"}, {"circuit": "toy-net/conv1:0;fc:1"}]}
    detail = client.put(urls.path(routes.API_TOUR, slug="toy"), json=tour, headers=_bearer(issued["alice"])).json()[
        "detail"
    ]
    assert "stop 1 (toy-net/conv1:0,99): unit 99 out of range: conv1 has units 0–3" in detail
    assert "stop 2 (toy-net/conv1:0;fc:1): conv1 and fc are not consecutive" in detail


def test_a_huge_unit_number_is_refused_and_nothing_is_saved(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    huge = {**TOUR, "slug": "hugeunit", "stops": [{"unit": "toy-net/conv1:" + "9" * 5000}]}
    answer = client.put(urls.path(routes.API_TOUR, slug="hugeunit"), json=huge, headers=_bearer(issued["alice"]))
    assert answer.status_code == 422 and "1–9 digits" in answer.text
    csrf = _signed_in(client, issued["alice"])
    page = client.post(urls.path(routes.TOURS), data={"tour": json.dumps(huge), "csrf": csrf})
    assert page.status_code == 400 and "stop 1" in page.text
    assert tours.stored(book) == [] and client.get(urls.path(routes.TOUR, slug="hugeunit")).status_code == 404


def test_a_tour_over_the_stop_limit_is_refused_naming_the_setting(
    toy_store: Path, book: NotesBook, issued: dict[str, str]
) -> None:
    settings = Settings(store=toy_store, notes_db=book.url, limits=Limits(tour_stops=2))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        answer = client.put(urls.path(routes.API_TOUR, slug="toy"), json=TOUR, headers=_bearer(issued["alice"]))
        limit = "has 3 stops; the limit is 2 stops (tour_stops, setting MICROSCOPE_LIMIT_TOUR_STOPS)"
        assert answer.status_code == 422 and limit in answer.json()["detail"]
        csrf = _signed_in(client, issued["alice"])
        page = client.post(urls.path(routes.TOURS), data={"tour": json.dumps(TOUR), "csrf": csrf})
        assert page.status_code == 400 and limit in page.text
    assert tours.stored(book) == []


def test_a_deeply_nested_file_in_the_editor_is_a_400_naming_the_limit(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    csrf = _signed_in(client, issued["alice"])
    for deep in ("slug: deep\ntitle: Deep\nstops: " + "[" * 1000 + "]" * 1000, "{a: " * 2000 + "1" + "}" * 2000):
        page = client.post(urls.path(routes.TOURS), data={"tour": deep, "csrf": csrf})
        assert page.status_code == 400 and "MICROSCOPE_LIMIT_TOUR_DEPTH" in page.text
    assert client.get(urls.path(routes.TOURS)).status_code == 200 and tours.stored(book) == []


def test_a_tour_stored_before_the_checks_renders_its_bad_stop_as_invalid(client: TestClient, book: NotesBook) -> None:
    _saved(book)
    with book.writing() as session:  # a stop as PUT stored it before unit numbers were bounded
        session.execute(update(StopRow).where(StopRow.position == 0).values(target="conv1:" + "9" * 5000))
    found = client.get(urls.path(routes.API_TOUR, slug="toy"))
    assert found.status_code == 200
    first = found.json()["stop_list"][0]
    assert not first["found"] and first["missing"].startswith("not a valid stop: unit 'toy-net/conv1:999")
    for path in (urls.path(routes.TOUR, slug="toy"), urls.tour_present("toy")):
        page = client.get(path)
        assert page.status_code == 200 and "not a valid stop: unit" in page.text
    for path in (
        urls.path(routes.TOUR_HISTORY, slug="toy"),
        urls.path(routes.API_TOUR_HISTORY, slug="toy"),
        urls.path(routes.TOURS),
        urls.path(routes.TOUR_EDIT, slug="toy"),
    ):
        assert client.get(path).status_code == 200
    assert client.get(urls.path(routes.API_SEARCH, {"q": "toy tour"})).status_code == 200
    tours.put(book, parse(json.dumps(TOUR)), author="bob")  # the trail keeps the bad stop it replaced, readable
    history = client.get(urls.path(routes.TOUR_HISTORY, slug="toy"))
    assert history.status_code == 200 and "unit: toy-net/conv1:9999" in history.text


def test_a_new_tour_starts_from_a_form_asking_its_address(
    client: TestClient, book: NotesBook, issued: dict[str, str]
) -> None:
    _signed_in(client, issued["alice"])
    form = client.get(urls.path(routes.TOURS)).text
    assert '<form class="new-tour"' in form and 'name="new"' in form and "new-tour/edit" not in form
    started = client.get(urls.path(routes.TOURS, {"new": "week-3-curves"}))
    assert started.status_code == 303 and started.headers["location"] == "/tours/week-3-curves/edit"
    editor = client.get(started.headers["location"]).text
    assert "slug: week-3-curves" in editor


@pytest.mark.parametrize(
    ("slug", "why"),
    [("Week 3", "cannot be a tour&#39;s address"), ("-x", "cannot be a tour&#39;s address"), ("toy", "exists already")],
)
def test_a_new_tours_address_that_is_not_a_slug_or_is_taken_is_said_at_the_form(
    client: TestClient, book: NotesBook, issued: dict[str, str], slug: str, why: str
) -> None:
    tours.put(book, parse(json.dumps(TOUR)), author="alice")
    _signed_in(client, issued["alice"])
    page = client.get(urls.path(routes.TOURS, {"new": slug}))
    assert page.status_code == 422 and why in page.text and 'role="alert"' in page.text


def test_each_stop_shows_its_units_top_dataset_examples_beside_their_pictures(
    client: TestClient, book: NotesBook, toy_store: Path
) -> None:
    tours.put(book, parse(json.dumps(TOUR)), author="alice")
    stops = client.get(urls.path(routes.API_TOUR, slug="toy")).json()["stop_list"]
    reader = StoreReader(toy_store)
    for stop, groups in ((stops[0], {"conv1": [1]}), (stops[1], {"conv1": [0, 1], "block1": [2]})):
        stored = reader.examples_of("toy-net", groups, 6)
        expected = [[urls.asset(c) for c in stored[layer].get(u, [])] for layer, units in groups.items() for u in units]
        assert [image["examples"] for image in stop["images"]] == expected and all(expected)
    for path in (urls.path(routes.TOUR, slug="toy"), urls.tour_present("toy")):
        html = client.get(path).text
        strips = re.findall(r'<a class="stop-examples"[^>]*>(.*?)</a>', html, re.S)
        shown = [image["examples"] for stop in stops[:2] for image in stop["images"]]  # 1 unit, then 3
        assert [strip.count("<img") for strip in strips] == [len(crops) for crops in shown]
        assert all(crops[0] in strip for crops, strip in zip(shown, strips, strict=True))


def test_a_circuit_stop_draws_the_kernels_between_its_layers(client: TestClient, book: NotesBook) -> None:
    tours.put(book, parse(json.dumps(TOUR)), author="alice")
    for path in (urls.path(routes.TOUR, slug="toy"), urls.tour_present("toy")):
        html = client.get(path).text
        stop = html.split('id="stop-2"')[1].split("</section>")[0]
        assert stop.count('class="kernel-cell"') == 2  # conv1:0 and conv1:1 → block1:2
        assert "conv1:0 → block1:2" in stop and "conv1:1 → block1:2" in stop
        assert 'class="remove"' not in stop  # a tour's circuit is not edited from the tour
        assert 'class="kernel-cell"' not in html.split('id="stop-1"')[1].split("</section>")[0]  # a unit stop


def test_a_stop_labels_its_units_with_their_instructors_labels(client: TestClient, book: NotesBook) -> None:
    tours.put(book, parse(json.dumps(TOUR)), author="alice")
    book.put("toy-net", "conv1", 1, label="left edges", body="", author="alice")
    stops = client.get(urls.path(routes.API_TOUR, slug="toy")).json()["stop_list"]
    assert stops[0]["images"][0]["label"] == "left edges" and stops[0]["title"] == "conv1:1 · left edges"
    assert [image["label"] for image in stops[1]["images"]] == [None, "left edges", None]  # conv1:0, conv1:1, block1:2
    for path in (urls.path(routes.TOUR, slug="toy"), urls.tour_present("toy")):
        stop = client.get(path).text.split('id="stop-1"')[1].split("</section>")[0]
        assert '<figcaption class="stop-label small">left edges</figcaption>' in stop


def test_a_stop_shows_each_unit_by_the_picture_that_reads_best_and_names_its_kind(
    tmp_path_factory: pytest.TempPathFactory, book: NotesBook
) -> None:
    store = build_family_store(tmp_path_factory.mktemp("family-store"))
    units = [0, 1, 3]  # a neuron picture drawn opaque, none (the channel one), a neuron picture drawn transparent
    tour = {"slug": "pictures", "title": "Pictures", "stops": [{"unit": f"fam-a/mixed:{u}"} for u in units]}
    tours.put(book, parse(json.dumps(tour)), author="alice")
    with TestClient(create_app(Settings(store=store, notes_db=book.url))) as client:
        stops = client.get(urls.path(routes.API_TOUR, slug="pictures")).json()["stop_list"]
        images = [stop["images"][0] for stop in stops]
        assert [(i["image_kind"], i["image_transparent"]) for i in images] == [
            ("neuron", False),
            ("channel", False),
            ("neuron", True),
        ]
        reader = StoreReader(store)
        neuron = reader.pictures_of("fam-a", {"mixed": units}, ["neuron", "channel"])["mixed"]
        assert [i["image_url"] for i in images] == [
            urls.asset(neuron[0]["neuron"].asset),
            urls.asset(neuron[1]["channel"].asset),
            urls.asset(neuron[3]["neuron"].asset),
        ]
        for path in (urls.path(routes.TOUR, slug="pictures"), urls.tour_present("pictures")):
            html = client.get(path).text
            kinds = re.findall(r'class="stop-kind muted small" title="([^"]*)">([\w, ]+)</span>', html)
            assert [k for _, k in kinds] == ["neuron", "channel", "neuron, transparent"]
            assert "fades to grey" in kinds[2][0] and "fades to grey" not in kinds[0][0]
