"""InceptionV1 as users meet it: hand labels with their attribution, branch layers under their mixed layer,
Microscope's URLs landing on branch layers, and torchvision GoogLeNet's warning on each of its pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from store.records import LabelSource, LayerRecord, ModelRecord
from store.writer import StoreWriter

SOURCE = LabelSource(
    "early-vision",
    "An Overview of Early Vision in InceptionV1",
    "Chris Olah, Nick Cammarata, Ludwig Schubert, Gabriel Goh, Michael Petrov, Shan Carter",
    2020,
    "https://distill.pub/2020/circuits/early-vision/",
    "CC-BY 4.0",
)
WARNING = "Not Microscope's InceptionV1: its inception4b:409 is not 4b:409 (/models/inceptionv1/units/4b:409)."
# mixed4b as a 12-unit miniature: units 0–3 its 1×1 branch, 4–11 its 5×5 branch (so unit 9 is 5×5 unit 5).
MIXED4B = {i: "mixed4b_1x1" if i < 4 else "mixed4b_5x5" for i in range(12)}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """inceptionv1 with mixed4a, two branch layers of mixed4b and mixed4b (labelled); googlenet with its warning."""
    root = tmp_path_factory.mktemp("inception-store")
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("inceptionv1", "InceptionV1", "inception5h", "0" * 64, {"size": 8}, []))
    writer.put_layers(
        "inceptionv1",
        [
            LayerRecord("mixed4a", 0, "conv", 6, 2, 2, 8, 4.0, None),
            LayerRecord("mixed4b_5x5_bottleneck", 1, "conv", 3, 2, 2, 8, 4.0, "mixed4a", parent="mixed4b"),
            LayerRecord("mixed4b_5x5", 2, "conv", 8, 2, 2, 8, 4.0, "mixed4b_5x5_bottleneck", parent="mixed4b"),
            LayerRecord("mixed4b", 3, "conv", 12, 2, 2, 8, 4.0, "mixed4a", MIXED4B),
        ],
    )
    writer.put_unit_labels("inceptionv1", SOURCE, {"mixed4b": {9: "Dog Heads"}, "mixed4a": {1: "Curves"}})
    writer.put_model(ModelRecord("googlenet", "GoogLeNet", "googlenet", "1" * 64, {"size": 8}, [], warning=WARNING))
    writer.put_layers("googlenet", [LayerRecord("inception4b", 0, "conv", 4, 2, 2, 8, 4.0, None)])
    writer.engine.dispose()
    with TestClient(create_app(Settings(store=root)), follow_redirects=False) as test_client:
        yield test_client


def test_unit_page_shows_the_hand_label_with_its_attribution(client: TestClient) -> None:
    html = client.get("/models/inceptionv1/layers/mixed4b/units/9").text
    assert '<span class="unit-label">Dog Heads</span>' in html
    assert "Olah et al. 2020" in html and "(CC-BY 4.0)" in html
    assert (
        '<a href="https://distill.pub/2020/circuits/early-vision/">“An Overview of Early Vision in InceptionV1”' in html
    )


def test_unit_json_carries_the_label_its_branch_and_its_source(client: TestClient) -> None:
    unit = client.get("/api/v1/models/inceptionv1/layers/mixed4b/units/9").json()
    assert (unit["label"], unit["branch"]) == ("Dog Heads", "mixed4b_5x5")
    assert unit["label_source"]["citation"] == "Olah et al. 2020"
    assert unit["label_source"]["license"] == "CC-BY 4.0" and unit["label_source"]["key"] == "early-vision"
    unlabelled = client.get("/api/v1/models/inceptionv1/layers/mixed4b/units/8").json()
    assert unlabelled["label"] is None and unlabelled["label_source"] is None


def test_layer_grid_captions_labels_and_cites_them(client: TestClient) -> None:
    html = client.get("/models/inceptionv1/layers/mixed4b").text
    assert '<span class="label">Dog Heads</span>' in html
    assert "Unit labels: Olah et al. 2020" in html
    layer = client.get("/api/v1/models/inceptionv1/layers/mixed4b").json()
    assert layer["unit_list"][9]["label"] == "Dog Heads" and layer["unit_list"][9]["label_source"] == "early-vision"
    assert [s["citation"] for s in layer["label_sources"]] == ["Olah et al. 2020"]
    assert layer["branch_layers"] == ["mixed4b_5x5_bottleneck", "mixed4b_5x5"]


def test_a_mixed_layers_label_is_on_the_same_unit_of_its_branch_layer(client: TestClient) -> None:
    unit = client.get("/api/v1/models/inceptionv1/layers/mixed4b_5x5/units/5").json()
    assert unit["label"] == "Dog Heads" and unit["label_source"]["key"] == "early-vision"


def test_model_page_shows_branch_layers_under_their_mixed_layer(client: TestClient) -> None:
    html = client.get("/models/inceptionv1").text
    details = re.search(r'<details class="branch-layers">.*?</details>', html, re.S)
    assert details and html.index(">mixed4b<") < details.start()
    names = r'<a class="layer-name mono" href="[^"]+">(\w+)</a>'
    assert re.findall(names, details.group()) == ["mixed4b_5x5_bottleneck", "mixed4b_5x5"]
    assert re.findall(names, html.replace(details.group(), "")) == ["mixed4a", "mixed4b"]
    layers = client.get("/api/v1/models/inceptionv1").json()["layers"]
    assert {layer["name"]: layer["parent"] for layer in layers}["mixed4b_5x5"] == "mixed4b"


def test_branch_layer_page_links_its_mixed_layer_and_what_it_computes_from(client: TestClient) -> None:
    html = client.get("/models/inceptionv1/layers/mixed4b_5x5").text
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)
    assert crumbs and 'href="/models/inceptionv1/layers/mixed4b"' in crumbs.group()
    assert 'href="/models/inceptionv1/layers/mixed4b_5x5_bottleneck"' in html


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/models/inceptionv1/mixed4b_5x5_0/5", "/models/inceptionv1/layers/mixed4b_5x5/units/5"),
        ("/models/inceptionv1/mixed4b_1x1_0/2", "/models/inceptionv1/layers/mixed4b/units/2"),  # not stored
        ("/models/inceptionv1/mixed4b_0/409", None),
    ],
)
def test_microscope_branch_urls_open_the_branch_layer_when_it_is_stored(
    client: TestClient, path: str, target: str | None
) -> None:
    response = client.get(path)
    if target is None:  # a unit past the miniature's 12 units: the 404 names the range
        assert response.status_code == 404 and "0–11" in response.text
    else:
        assert response.status_code == 301 and response.headers["location"] == target


def test_4b_409_style_refs_resolve_to_mixed_layers_and_branch_layers(client: TestClient) -> None:
    assert client.get("/models/inceptionv1/units/4b:9").headers["location"].endswith("/layers/mixed4b/units/9")
    response = client.get("/api/v1/models/inceptionv1/units/4b_5x5:5")
    assert response.headers["location"] == "/api/v1/models/inceptionv1/layers/mixed4b_5x5/units/5"


def test_search_lists_the_units_whose_label_matches(client: TestClient) -> None:
    page = client.get("/search", params={"q": "dog heads"})
    assert page.status_code == 200
    assert page.text.index('href="/models/inceptionv1/layers/mixed4b_5x5/units/5"') < page.text.index(
        'href="/models/inceptionv1/layers/mixed4b/units/9"'
    )
    assert '<link rel="alternate" type="application/json" href="/api/v1/search?q=dog+heads">' in page.text
    hits = client.get("/api/v1/search", params={"q": "DOG"}).json()["hits"]
    assert [(h["title"], h["detail"]) for h in hits] == [
        ("inceptionv1/mixed4b_5x5:5", "Dog Heads"),
        ("inceptionv1/mixed4b:9", "Dog Heads"),
    ]


def test_a_label_search_lists_even_a_single_matching_unit(client: TestClient) -> None:
    response = client.get("/search", params={"q": "curv"})
    assert response.status_code == 200 and 'href="/models/inceptionv1/layers/mixed4a/units/1"' in response.text


@pytest.mark.parametrize("q", ["%", "zebra!", "cats"])
def test_search_matching_nothing_is_an_empty_page_with_examples(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert (
        response.status_code == 200
        and "Nothing matches" in response.text
        and 'class="search-examples"' in response.text
    )
    found = client.get("/api/v1/search", params={"q": q}).json()
    assert found["hits"] == [] and found["examples"]


def test_a_shorthand_ref_names_the_unit_in_each_model_that_has_its_layer(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "4b:3"}).json()["hits"]
    assert [(h["title"], h["match"], h["field"]) for h in hits] == [
        ("googlenet/inception4b:3", "exact", "ref"),
        ("inceptionv1/mixed4b:3", "exact", "ref"),
    ]
    assert client.get("/search", params={"q": "inceptionv1/4b:9"}).headers["location"] == (
        "/models/inceptionv1/layers/mixed4b/units/9"
    )


def test_a_ref_to_an_unstored_branch_finds_its_unit_in_the_mixed_layer(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "mixed4b_1x1:2"}).json()["hits"]
    assert [h["url"] for h in hits if h["field"] == "ref"] == ["/models/inceptionv1/layers/mixed4b/units/2"]


def test_a_layer_search_lists_the_layer_first_then_its_labelled_units(client: TestClient) -> None:
    page = client.get("/search", params={"q": "mixed4b"})
    assert page.status_code == 200
    hits = client.get("/api/v1/search", params={"q": "mixed4b"}).json()["hits"]
    assert [(h["title"], h["match"]) for h in hits] == [
        ("inceptionv1/mixed4b", "exact"),
        ("inceptionv1/mixed4b_5x5_bottleneck", "prefix"),
        ("inceptionv1/mixed4b_5x5", "prefix"),
        ("inceptionv1/mixed4b:9", "related"),
    ]


@pytest.mark.parametrize(
    "page",
    [
        "/models/googlenet",
        "/models/googlenet/layers/inception4b",
        "/models/googlenet/layers/inception4b/units/1",
        "/",
    ],
)
def test_googlenet_pages_warn_that_it_is_not_microscopes_inceptionv1(client: TestClient, page: str) -> None:
    html = client.get(page).text
    warning = re.search(r'<p class="warning" role="note">.*?</p>', html, re.S)
    assert warning and "inception4b:409 is not 4b:409" in warning.group()
    assert '<a href="/models/inceptionv1/units/4b:409">' in warning.group()


def test_inceptionv1_pages_carry_no_warning(client: TestClient) -> None:
    assert 'class="warning"' not in client.get("/models/inceptionv1/layers/mixed4b").text
    assert client.get("/api/v1/models/inceptionv1").json()["warning"] is None
    assert client.get("/api/v1/models/googlenet").json()["warning"] == WARNING


def test_a_mixed_layer_unit_and_its_branch_layer_unit_link_each_other(client: TestClient) -> None:
    mixed = client.get("/api/v1/models/inceptionv1/layers/mixed4b/units/9").json()
    assert mixed["same_unit"] == {"ref": "mixed4b_5x5:5", "url": "/models/inceptionv1/layers/mixed4b_5x5/units/5"}
    branch = client.get("/api/v1/models/inceptionv1/layers/mixed4b_5x5/units/5").json()
    assert branch["same_unit"] == {"ref": "mixed4b:9", "url": "/models/inceptionv1/layers/mixed4b/units/9"}
    html = client.get("/models/inceptionv1/layers/mixed4b/units/9").text
    assert 'href="/models/inceptionv1/layers/mixed4b_5x5/units/5"' in html
    unstored = client.get("/api/v1/models/inceptionv1/layers/mixed4b/units/1").json()  # its 1x1 branch layer is not
    assert unstored["branch"] == "mixed4b_1x1" and unstored["same_unit"] is None


def test_a_mixed_layers_units_are_listed_by_branch(client: TestClient) -> None:
    layer = client.get("/api/v1/models/inceptionv1/layers/mixed4b").json()
    assert layer["branches"] == [
        {"name": "mixed4b_1x1", "first": 0, "units": 4, "url": None},
        {"name": "mixed4b_5x5", "first": 4, "units": 8, "url": "/models/inceptionv1/layers/mixed4b_5x5"},
    ]
    assert client.get("/api/v1/models/inceptionv1/layers/mixed4a").json()["branches"] == []


def test_a_mixed_layers_grid_is_divided_by_branch(client: TestClient) -> None:
    html = client.get("/models/inceptionv1/layers/mixed4b").text
    sections = re.findall(r'<section class="branch">(.*?)</section>', html, re.S)
    assert [re.search(r'<span class="mono">(.*?)</span>', s)[1] for s in sections] == ["mixed4b_1x1", "mixed4b_5x5"]
    assert [s.count('class="tile"') for s in sections] == [4, 8]
    assert "4 units, 0–3" in sections[0] and 'href="/models/inceptionv1/layers/mixed4b_5x5"' in sections[1]
    assert 'href="/models/inceptionv1/layers/mixed4b/units/4"' in sections[1]
