"""HTML pages: same paths as the JSON, server-rendered, each linking its JSON."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings

PAGES = {
    "/": "/api/v1",
    "/models/toy-net": "/api/v1/models/toy-net",
    "/models/toy-net/layers/block1": "/api/v1/models/toy-net/layers/block1",
    "/models/toy-net/layers/block1/units/2": "/api/v1/models/toy-net/layers/block1/units/2",
}
UNIT_PAGE = "/models/toy-net/layers/block1/units/2"


@pytest.mark.parametrize("page", PAGES)
def test_page_links_its_json_alternate(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f'<link rel="alternate" type="application/json" href="{PAGES[page]}">' in html
    assert re.search(rf'<a [^>]*href="{re.escape(PAGES[page])}"[^>]*>JSON</a>', html)


def test_index_shows_model_cards(client: TestClient) -> None:
    html = client.get("/").text
    assert "Toy net" in html and "A fixture model." in html and "3 layers" in html


def test_model_page_lists_layers_in_order_with_search_box(client: TestClient) -> None:
    html = client.get("/models/toy-net").text
    assert html.index(">conv1<") < html.index(">block1<") < html.index(">fc<")
    assert "6 units" in html and "6×4×4" in html
    assert '<form class="search unit-search" action="/models/toy-net/units" method="get"' in html
    assert 'name="ref"' in html


def test_layer_grid_links_every_unit_with_lazy_sized_thumbnails(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/block1").text
    for unit in range(6):
        assert f'href="/models/toy-net/layers/block1/units/{unit}"' in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 6
    assert all('loading="lazy"' in i and 'width="96"' in i and 'height="96"' in i for i in images)
    assert 'href="/models/toy-net/layers/conv1"' in html and 'href="/models/toy-net/layers/fc"' in html


def test_layer_grid_shows_class_labels(client: TestClient) -> None:
    html = client.get("/models/toy-net/layers/fc").text
    assert all(f'<span class="label">{c}</span>' in html for c in ("red", "green", "blue"))


def test_unit_page_has_breadcrumbs_title_and_neighbours(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)
    assert crumbs and all(x in crumbs.group() for x in ('href="/"', 'href="/models/toy-net"', ">block1<", ">2<"))
    assert '<span class="mono">block1:2</span>' in html
    assert 'rel="prev" href="/models/toy-net/layers/block1/units/1"' in html
    assert 'rel="next" href="/models/toy-net/layers/block1/units/3"' in html


def test_unit_page_shows_copyable_canonical_url(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    assert f'readonly value="http://testserver{UNIT_PAGE}"' in html
    assert 'data-copy="#canonical-url"' in html


def test_unit_page_shows_examples_with_activation_label_and_source(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    assert '<li class="tile" title="red/2.png">' in html
    assert '<span class="act">3</span> <span class="label">red</span>' in html
    assert "dataset max activation <strong>3</strong>" in html
    assert "visualization reaches <strong>7</strong>" in html


def test_unit_page_colours_edges_by_sign_and_links_them(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    assert '<li class="edge neg"' in html and '<li class="edge pos"' in html
    assert 'href="/models/toy-net/layers/conv1/units/0"' in html and "−0.5" in html
    assert '<svg class="kernel"' in html


def test_ref_redirects_to_canonical_unit_page(client: TestClient) -> None:
    response = client.get("/models/toy-net/units/block1:3")
    assert response.status_code == 302
    assert response.headers["location"] == "/models/toy-net/layers/block1/units/3"


def test_search_box_target_redirects_to_unit_page(client: TestClient) -> None:
    response = client.get("/models/toy-net/units", params={"ref": " fc:2 "})
    assert response.headers["location"] == "/models/toy-net/layers/fc/units/2"


def test_qualified_ref_redirects_to_its_model(client: TestClient) -> None:
    response = client.get("/models/toy-net/units", params={"ref": "toy-net@conv1:1"})
    assert response.headers["location"] == "/models/toy-net/layers/conv1/units/1"


@pytest.mark.parametrize(
    ("q", "target"),
    [
        ("toy-net/block1:4", "/models/toy-net/layers/block1/units/4"),
        ("block1:4", "/models/toy-net/layers/block1/units/4"),
        ("toy-net", "/models/toy-net"),
    ],
)
def test_site_search_redirects(client: TestClient, q: str, target: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 302
    assert response.headers["location"] == target


def test_bad_ref_shows_404_page_with_format_and_layers(client: TestClient) -> None:
    response = client.get("/models/toy-net/units", params={"ref": "what"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "expected &#39;layer:unit&#39;" in response.text
    assert 'href="/models/toy-net/layers/block1"' in response.text


@pytest.fixture(scope="module")
def branched_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A store whose `mixed4a` concatenates two branches: units 0–2 are `mixed4a_1x1`, 3–5 `mixed4a_5x5`."""
    from store.records import LayerRecord, ModelRecord
    from store.writer import StoreWriter

    root = tmp_path_factory.mktemp("branched")
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("inceptionv1", "InceptionV1", "test", "0" * 64, {"size": 8}, []))
    branches = {i: "mixed4a_1x1" if i < 3 else "mixed4a_5x5" for i in range(6)}
    writer.put_layers("inceptionv1", [LayerRecord("mixed4a", 0, "conv", 6, 2, 2, 8, 4.0, None, branches)])
    return TestClient(create_app(Settings(store=root)))


def test_microscope_layer_url_redirects_to_the_unit_page(branched_client: TestClient) -> None:
    response = branched_client.get("/models/inceptionv1/mixed4a_0/4", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/models/inceptionv1/layers/mixed4a/units/4"


def test_microscope_branch_url_redirects_to_the_units_slice_of_its_layer(branched_client: TestClient) -> None:
    response = branched_client.get("/models/inceptionv1/mixed4a_5x5_0/1", follow_redirects=False)
    assert response.headers["location"] == "/models/inceptionv1/layers/mixed4a/units/4"


def test_microscope_url_past_the_branch_names_its_range(branched_client: TestClient) -> None:
    response = branched_client.get("/models/inceptionv1/mixed4a_5x5_0/7")
    assert response.status_code == 404 and "0–2" in response.text
    assert branched_client.get("/models/inceptionv1/nonsense/1").status_code == 404


def test_unit_page_says_which_network_it_belongs_to(client: TestClient) -> None:
    # Its description says what the network is; warnings (googlenet's) have their own line: test_inception_pages.
    page = client.get("/models/toy-net/layers/block1/units/2").text
    assert "A fixture model." in page


def test_unit_page_names_the_branch_the_unit_belongs_to(branched_client: TestClient) -> None:
    page = branched_client.get("/models/inceptionv1/layers/mixed4a/units/4")
    assert page.status_code == 200 and "mixed4a_5x5" in page.text


def test_unit_page_shows_every_feature_vis_kind_with_its_meaning_and_the_diversity_set(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    section = html[html.index('class="feature-vis"') : html.index('class="examples"')]
    for kind in ("channel", "neuron", "negative"):
        assert f'class="fv fv-{kind}"' in section
    assert "minimized: what the unit responds to least" in section and "-channel(block1:[2])" in section
    assert "<h3>Diversity" in section and section.count('class="fv fv-diversity"') == 2
    assert "image 2 of 2" in section and "steps 64" in section


def test_layer_grid_thumbnail_is_the_channel_visualization(client: TestClient) -> None:
    unit = client.get("/api/v1/models/toy-net/layers/block1/units/2").json()
    grid = client.get("/models/toy-net/layers/block1").text
    channel_url = unit["feature_vis"][0]["url"]
    assert channel_url in grid and all(fv["url"] not in grid for fv in unit["feature_vis"][1:])


def test_unit_page_names_the_class_of_each_output_unit(client: TestClient) -> None:
    html = client.get(UNIT_PAGE).text
    outputs = html[html.index("<h2>Outputs</h2>") :]
    assert '<span class="edge-label">green</span>' in outputs and 'title="fc:1 (green): weight' in outputs
