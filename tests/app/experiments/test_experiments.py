"""The experiments pages and their JSON twins over the toy store's two stored experiments: what each edit did, the
classes its family answers told apart from the others, canonical addresses, and errors that say what exists."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.experiments.plots import rebuilt_weights
from app.experiments.present import ExperimentData, experiment_public, summary_public
from app.main import create_app
from app.web.config import Settings
from store.location import StoreLocation
from store.records import ModelView
from store.writer import StoreWriter
from tests.app.conftest import settings_for
from tests.app.meta_tags import meta
from tests.conftest import TOY_CLASSES, TOY_LAYERS, TOY_MODEL, toy_experiments

LIST = "/models/toy-net/experiments"
REMOVAL = "/models/toy-net/experiments/ablate:block1:1,2"
CUT = "/models/toy-net/experiments/cut-negative:block1:2"


def test_the_list_names_each_experiment_with_its_accuracy_and_links_it(client: TestClient) -> None:
    found = client.get("/api/v1" + LIST).json()
    assert [e["spec"] for e in found["experiments"]] == [
        "ablate:block1:1,2",
        "cut-negative:block1:2",
        "rebuild:block1:2",
    ]
    first = found["experiments"][0]
    assert (first["accuracy_before"], first["accuracy_after"]) == pytest.approx((8 / 9, 6 / 9))
    assert first["url"] == REMOVAL and first["api_url"] == "/api/v1" + REMOVAL
    assert set(found["kinds"]) == {"ablate", "mean-ablate", "cut-negative", "cut-positive", "rebuild"}
    html = client.get(LIST).text
    assert f'href="{REMOVAL}"' in html and "88.9% → 66.7%" in html


def test_an_experiment_shows_each_class_the_units_it_edited_and_the_next_layers_changes(client: TestClient) -> None:
    found = client.get("/api/v1" + REMOVAL).json()
    assert [(c["name"], round(c["change"], 3)) for c in found["classes"]] == [
        ("red", -0.667),
        ("green", 0.0),
        ("blue", 0.0),
    ]
    assert [(u["ref"], u["after"]) for u in found["edited"]] == [("block1:1", 0.0), ("block1:2", 0.0)]
    assert found["edited"][0]["url"] == "/models/toy-net/layers/block1/units/1"
    assert found["edited"][0]["thumbnail"].startswith("/assets/")
    assert [u["ref"] for u in found["changed"]] == ["fc:0", "fc:2"]
    assert [u["label"] for u in found["changed"]] == ["red", "blue"]  # fc's units are named by their class
    assert found["origin"] == "precomputed" and found["tuning"] == []
    html = client.get(REMOVAL).text
    assert "Precomputed by microscope precompute" in html
    assert html.count('class="plot plot-accuracy"') == 1
    assert 'href="/models/toy-net/layers/fc/units/0"' in html
    assert ' style="' not in html  # the CSP forbids inline styles


def test_a_cut_shows_its_units_orientation_tuning_without_and_with_it(client: TestClient) -> None:
    found = client.get("/api/v1" + CUT).json()
    assert found["tuning_layer"] == "block1"
    (unit,) = found["tuning"]
    assert (unit["ref"], unit["selectivity_before"], unit["selectivity_after"]) == ("block1:2", 0.6, 0.2)
    assert (unit["orientation_before"], unit["orientation_after"]) == (90.0, 120.0)
    assert "0.60 → 0.20" in client.get(CUT).text


def test_the_classes_a_family_answers_are_summed_apart_from_the_others() -> None:
    classes = [("curve_e", 0.9, 0.3), ("curve_w", 1.0, 0.6), ("line", 0.8, 0.8), ("red_green", 1.0, 0.9)]
    result = {
        **toy_experiments()[0],
        "family": "curves",
        "classes": [{"name": n, "images": 10, "before": b, "after": a} for n, b, a in classes],
    }
    summary = summary_public("m", result)
    assert summary.family_classes is not None and summary.other_classes is not None
    assert summary.family_classes.classes == ["curve_e", "curve_w"]
    assert summary.family_classes.change == pytest.approx(-0.5)
    assert summary.other_classes.change == pytest.approx(-0.05)
    frequency = summary_public("m", {**result, "family": "frequency"})
    assert frequency.family_classes is None and frequency.other_classes is None  # none is frequency's class


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_another_spelling_of_an_experiment_redirects_to_its_canonical_address(client: TestClient, prefix: str) -> None:
    response = client.get(prefix + "/models/toy-net/experiments/ablate:block1:2,1,2")
    assert response.status_code == 301
    assert response.headers["location"] == prefix + REMOVAL


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_bad_experiment_addresses_say_what_exists(client: TestClient, prefix: str) -> None:
    bad = client.get(prefix + "/models/toy-net/experiments/remove:block1:1")
    assert bad.status_code == 404 and "ablate, mean-ablate, cut-negative, cut-positive" in bad.text
    layer = client.get(prefix + "/models/toy-net/experiments/ablate:block9:1")
    assert layer.status_code == 404 and "layers: conv1, block1, fc" in layer.text
    past = client.get(prefix + "/models/toy-net/experiments/ablate:block1:99")
    assert past.status_code == 404 and "block1 has units 0–5; the spec names 99" in past.text
    model = client.get(prefix + "/models/nope/experiments")
    assert model.status_code == 404 and "toy-net" in model.text


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_an_experiment_not_stored_is_503_naming_how_to_start_a_worker_when_there_is_none(
    client: TestClient, prefix: str
) -> None:
    missing = client.get(prefix + "/models/toy-net/experiments/ablate:block1:3")
    assert missing.status_code == 503
    assert "'ablate:block1:3' is not in the store (it holds 3" in html.unescape(missing.text)
    assert "microscope probe-worker --model toy-net --store STORE" in missing.text
    other_rule = client.get(prefix + REBUILT, params={"rule": "max(cos(d), 0)"})
    assert other_rule.status_code == 503 and "with the rule 'max(cos(d), 0)'" in html.unescape(other_rule.text)


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_a_rule_is_checked_before_anything_runs_and_spelt_one_way(client: TestClient, prefix: str) -> None:
    bad = client.get(prefix + REBUILT, params={"rule": "__import__('os')"})
    assert bad.status_code == 404 and "theta, phi and d" in bad.text
    removal = client.get(prefix + REMOVAL, params={"rule": "cos(d)"})
    assert removal.status_code == 404 and "a rule applies to rebuilds only, not to ablate" in removal.text
    default = client.get(prefix + REBUILT, params={"rule": "cos( theta-phi )"})
    assert default.status_code == 301 and default.headers["location"] == prefix + REBUILT  # the stored one
    spaced = client.get(prefix + REBUILT, params={"rule": "max(cos(d),0)"})
    assert spaced.status_code == 301
    assert spaced.headers["location"] == prefix + REBUILT + "?rule=max%28cos%28d%29%2C+0%29"


def test_the_pages_carry_link_previews(client: TestClient) -> None:
    tags = meta(client, REMOVAL)
    assert tags["og:title"] == "Remove 2 units of block1 (set to 0) · toy-net"
    assert "accuracy 88.9% → 66.7%" in tags["og:description"]
    assert tags["og:image"].endswith("/models/toy-net/layers/block1/card.png")
    assert meta(client, LIST)["og:title"] == "Experiments · toy-net"


def test_the_model_page_links_its_experiments(client: TestClient) -> None:
    assert f'href="{LIST}"' in client.get("/models/toy-net").text


def test_a_store_without_experiments_says_how_to_run_them(tmp_path: Path) -> None:
    from store.records import ModelRecord

    writer = StoreWriter(tmp_path)
    writer.put_model(ModelRecord(TOY_MODEL, "Toy net", "toy", "0" * 64, {"size": 8}, TOY_CLASSES, ""))
    writer.put_layers(TOY_MODEL, TOY_LAYERS)
    writer.close()
    with TestClient(create_app(Settings(store=tmp_path))) as client:
        found = client.get("/api/v1" + LIST).json()
    assert found["experiments"] == [] and "microscope precompute" in found["message"]


REBUILT = "/models/toy-net/experiments/rebuild:block1:2"


def test_a_rebuild_shows_its_rule_its_units_against_the_real_ones_and_their_curves_overlaid(
    client: TestClient,
) -> None:
    found = client.get("/api/v1" + REBUILT).json()["rebuild"]
    assert found["source_layer"] == "conv1"
    assert [(s["ref"], s["orientation"]) for s in found["sources"]] == [("conv1:0", 0.0), ("conv1:3", 180.0)]
    (unit,) = found["units"]
    assert (unit["ref"], unit["orientation"], unit["tuning_r"], unit["images_r"]) == ("block1:2", 90.0, 0.95, 0.7)
    assert found["removed_accuracy"] == pytest.approx(5 / 9) and found["mean_tuning_r"] == 0.95
    html = client.get(REBUILT).text
    assert "Rebuilt by hand" in html and "a</em>·cos(θ − φ)" in html
    assert html.count('class="overlay"') == 1  # the rebuilt curve, dashed over the real one
    assert 'href="/models/toy-net/layers/conv1/units/3"' in html


def test_what_a_rebuild_wins_back_is_its_share_of_what_removing_the_units_costs() -> None:
    rows = [("curve_e", 0.9, 0.8, 0.4), ("curve_w", 1.0, 0.9, 0.6), ("line", 1.0, 1.0, 1.0)]
    result = {
        **toy_experiments()[2],
        "family": "curves",
        "layer": "block1",
        "classes": [{"name": n, "images": 10, "before": b, "after": a} for n, b, a, _ in rows],
    }
    result["rebuild"] = {
        **result["rebuild"],
        "removed": {
            "accuracy": 0.6,
            "classes": [{"name": n, "images": 10, "before": b, "after": r} for n, b, _, r in rows],
        },
    }
    model = ModelView(id=TOY_MODEL, title="t", architecture="", weights_hash="0", input_spec={}, class_labels=[])
    page = experiment_public(ExperimentData(model, result, {}))
    assert page.rebuild is not None
    # real 0.95 → removed 0.5 → rebuilt 0.85: it wins back (0.85 − 0.5) / (0.95 − 0.5) of the loss
    assert page.rebuild.won_back == pytest.approx(0.35 / 0.45)


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_the_list_forms_spec_answers_303_to_its_experiments_address(client: TestClient, prefix: str) -> None:
    asked = client.get(prefix + LIST, params={"spec": " ablate:block1:2, 1 "})
    assert asked.status_code == 303 and asked.headers["location"] == prefix + REMOVAL
    bad = client.get(prefix + LIST, params={"spec": "ablate:block9:1"})
    assert bad.status_code == 404 and "layers: conv1, block1, fc" in bad.text


def test_the_run_form_shows_only_where_a_worker_runs_experiments(
    client: TestClient, toy_location: StoreLocation
) -> None:
    assert 'name="spec"' not in client.get(LIST).text
    assert client.get("/api/v1" + LIST).json()["live"] is False
    settings = settings_for(toy_location).model_copy(update={"probe_url": "http://127.0.0.1:9"})
    with TestClient(create_app(settings)) as live:  # no worker answers there: the list asks it nothing
        assert 'name="spec"' in live.get(LIST).text and live.get("/api/v1" + LIST).json()["live"] is True


def test_a_rebuild_draws_its_weights_by_orientation_and_links_the_real_kernels_as_a_circuit() -> None:
    result = toy_experiments()[2]
    (unit,) = result["rebuild"]["units"]
    result["rebuild"]["units"] = [{**unit, "weights_real": [0.5, -0.25], "weights_rebuilt": [0.4, -0.4]}]
    model = ModelView(id=TOY_MODEL, title="t", architecture="", weights_hash="0", input_spec={}, class_labels=[])
    page = experiment_public(ExperimentData(model, result, {}))
    assert page.rebuild is not None  # the rule's units by φ (0°, 180°), then the rebuilt unit
    assert page.rebuild.circuit_url == "/models/toy-net/circuit?units=conv1:0,3;block1:2"
    (real, rebuilt) = rebuilt_weights(page)
    assert real[0] == "real weights" and "Δθ" in real[1] and rebuilt[0] == "rebuilt by the rule"
