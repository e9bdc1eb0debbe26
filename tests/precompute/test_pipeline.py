"""The pipeline fills a store, skips stored work on a re-run, and resumes after an interruption."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from microscope.cli import app
from precompute.optvis import Renderer
from precompute.pipeline import PrecomputeConfig, PrecomputeSummary, check_device, run_precompute
from store.db import database_path
from store.integrity import check_store
from store.location import StoreLocation
from store.reader import StoreReader
from tests import postgres

MODEL = "cifar-resnet20"
LAYERS = ("relu", "layer1.0", "layer2.0", "linear")
UNITS = 16 + 16 + 32 + 10
# channel, neuron (not for the linear layer, which has no positions), negative, and a diversity set of 2.
IMAGES = UNITS + (UNITS - 10) + UNITS + 2 * UNITS


@pytest.fixture(scope="module", params=postgres.BACKENDS)
def finished(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, random_resnet20: Path, tiny_images: Path
) -> Iterator[tuple[StoreLocation, PrecomputeSummary]]:
    """One uninterrupted run on each backend (a SQLite store folder, a fresh PostgreSQL schema) and its summary,
    shared by the tests that read it or run it again; a test that changes a store works on a copy."""
    with postgres.store_location(request.param, tmp_path_factory.mktemp(f"finished-{request.param}")) as location:
        yield location, run_precompute(_config(location, random_resnet20, tiny_images))


def _options(location: StoreLocation) -> list[str]:
    """The command-line options naming the store: --store for a store folder, else --db and --assets."""
    root = location.root
    return ["--store", str(root)] if root is not None else ["--db", location.db_url, "--assets", str(location.assets)]


def _config(store: Path | StoreLocation, weights: Path, images: Path, **overrides: object) -> PrecomputeConfig:
    if isinstance(store, StoreLocation):  # a store folder, or --db and --assets
        if store.root is not None:
            return _config(store.root, weights, images, **overrides)
        return _config(store.assets.parent, weights, images, db=store.db_url, assets=store.assets, **overrides)
    base = PrecomputeConfig(
        model=MODEL,
        store=store,
        weights=weights,
        images=images,
        layers=LAYERS,
        steps=2,
        top_k=4,
        vis_batch=16,
        diversity=2,
        progress=False,
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def test_precompute_stores_every_view_of_every_unit(finished: tuple[StoreLocation, PrecomputeSummary]) -> None:
    location, summary = finished
    assert summary.layers == list(LAYERS)
    assert summary.rendered_images == IMAGES
    report = check_store(location, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["feature_vis"] == IMAGES
    assert report.counts["dataset_examples"] == UNITS * 4
    done = CliRunner().invoke(app, ["check", *_options(location), "--hashes"])  # `microscope check` agrees
    assert done.exit_code == 0 and done.output.strip().endswith("ok"), done.output
    reader = StoreReader(location)
    unit = reader.unit(MODEL, "layer2.0", 5)
    assert unit is not None and unit.feature_vis and unit.inputs and unit.outputs
    assert summary.card_layers == list(LAYERS) and unit.card is not None and unit.card.ext == "png"
    assert summary.figure_layers == list(LAYERS) and unit.figures is not None and unit.figures.inputs.cells
    assert unit.inputs[0].layer == "layer1.0" and unit.outputs[0].layer == "linear"
    assert [e.activation for e in unit.dataset_examples] == sorted(
        (e.activation for e in unit.dataset_examples), reverse=True
    )
    assert unit.feature_vis[0].settings["steps"] == 2
    assert [str(f.key) for f in unit.feature_vis] == ["channel", "neuron", "negative", "diversity:0", "diversity:1"]
    assert [f.description for f in unit.feature_vis] == [
        "channel(layer2.0:[5])",
        "neuron(layer2.0:[5])",
        "-channel(layer2.0:[5])",
        "channel(layer2.0:[5]) - 0.3*diversity(layer2.0,group=2)",
        "channel(layer2.0:[5]) - 0.3*diversity(layer2.0,group=2)",
    ]
    assert unit.feature_vis[3].settings["diversity"] == 2
    logit = reader.unit(MODEL, "linear", 3)
    assert logit is not None and "neuron" not in [str(f.key) for f in logit.feature_vis]
    reader.engine.dispose()


def test_channel_only_run_renders_one_image_per_unit(tmp_path: Path, random_resnet20: Path, tiny_images: Path) -> None:
    summary = run_precompute(_config(tmp_path, random_resnet20, tiny_images, kinds=("channel",), cards=False))
    assert summary.rendered_images == UNITS
    assert summary.card_layers == []  # skipped when asked
    assert check_store(tmp_path).ok
    more = run_precompute(_config(tmp_path, random_resnet20, tiny_images, kinds=("channel", "negative")))
    assert more.rendered_images == UNITS  # the channel images are kept; only the negative ones are new
    assert more.card_layers == list(LAYERS)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kinds": ("channel", "dreams")}, "valid kinds are channel, neuron, negative, diversity"),
        ({"kinds": ("neuron",)}, "channel is always needed"),
        ({"precision": "fp8"}, "valid: auto, fp32, bf16"),
        ({"diversity": 1}, "at least 2 images"),
    ],
)
def test_bad_feature_vis_options_raise_value_error_listing_valid_choices(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PrecomputeConfig(MODEL, tmp_path, **overrides)  # type: ignore[arg-type]


def test_rerun_skips_everything_already_stored(
    finished: tuple[StoreLocation, PrecomputeSummary], random_resnet20: Path, tiny_images: Path
) -> None:
    again = run_precompute(_config(finished[0], random_resnet20, tiny_images))
    assert (again.rendered_images, again.examples_layers, again.connection_layers) == (0, [], [])
    assert again.card_layers == [] and again.figure_layers == []
    assert check_store(finished[0]).counts["feature_vis"] == IMAGES


@pytest.mark.parametrize("finished", ["sqlite"], indirect=True)  # a copy of the store folder
def test_changed_render_settings_rerender_only_feature_vis(
    finished: tuple[StoreLocation, PrecomputeSummary], tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    assert finished[0].root is not None
    store = Path(shutil.copytree(finished[0].root, tmp_path / "store"))  # this run changes the store
    again = run_precompute(_config(store, random_resnet20, tiny_images, steps=3))
    assert again.rendered_images == IMAGES and again.examples_layers == []
    assert check_store(store).counts["feature_vis"] == IMAGES


def test_interrupted_run_resumes_and_ends_consistent(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = StoreLocation.folder(tmp_path)  # on PostgreSQL, tests/precompute/test_pipeline_postgres.py resumes
    real_render, calls = Renderer.render, {"n": 0}

    def flaky_render(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of the feature-vis stage
        return real_render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "render", flaky_render)
    with pytest.raises(KeyboardInterrupt):
        run_precompute(_config(location, random_resnet20, tiny_images))
    assert check_store(location).ok
    monkeypatch.setattr(Renderer, "render", real_render)
    resumed = run_precompute(_config(location, random_resnet20, tiny_images))
    assert resumed.rendered_images == IMAGES - 32  # relu's channel and neuron batches were kept
    assert resumed.examples_layers == [] and resumed.connection_layers == []
    report = check_store(location)
    assert report.ok and report.counts["feature_vis"] == IMAGES


def test_unknown_layer_names_the_valid_ones(tmp_path: Path, random_resnet20: Path) -> None:
    with pytest.raises(KeyError, match="layer1.0"):
        run_precompute(
            PrecomputeConfig.preset("tiny", model=MODEL, store=tmp_path, weights=random_resnet20, layers=("layer9.9",))
        )


def test_other_weights_under_the_same_model_id_are_refused(tmp_path: Path, random_resnet20: Path) -> None:
    config = PrecomputeConfig.preset("tiny", model=MODEL, store=tmp_path, weights=random_resnet20, layers=("relu",))
    run_precompute(config)
    other = tmp_path / "other.th"
    state = torch.load(random_resnet20, weights_only=True)
    state["state_dict"]["module.linear.bias"] += 1
    torch.save(state, other)
    with pytest.raises(ValueError, match="already holds model"):
        run_precompute(dataclasses.replace(config, weights=other))


def test_unknown_device_lists_valid_choices() -> None:
    with pytest.raises(ValueError, match="cpu, cuda"):
        check_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_fails_with_advice() -> None:
    with pytest.raises(ValueError, match="--device cpu"):
        check_device("cuda")


def test_extras_render_other_kinds_only_where_asked_and_the_check_knows_it(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    config = _config(tmp_path, random_resnet20, tiny_images, extras=("layer1.0:3-4",))
    summary = run_precompute(config)
    assert summary.rendered_images == UNITS + 2 * (1 + 1 + 2)  # channel everywhere; 2 units × neuron, negative, set
    assert check_store(tmp_path).ok
    reader = StoreReader(tmp_path)
    assert len(reader.unit(MODEL, "layer1.0", 4).feature_vis) == 5  # type: ignore[union-attr]
    assert len(reader.unit(MODEL, "layer1.0", 5).feature_vis) == 1  # type: ignore[union-attr]
    reader.engine.dispose()
    with sqlite3.connect(database_path(tmp_path)) as connection:
        connection.execute("DELETE FROM feature_vis WHERE objective = 'negative'")
    assert "layer1.0: feature_vis finished but 0/2 units have a negative image" in " ".join(
        check_store(tmp_path).problems
    )
    assert run_precompute(config).rendered_images == 2  # resumes exactly the missing ones


def test_bad_extras_fail_before_any_work(tmp_path: Path, random_resnet20: Path, tiny_images: Path) -> None:
    with pytest.raises(ValueError, match="layer1.0 has units 0–15"):
        run_precompute(_config(tmp_path, random_resnet20, tiny_images, extras=("layer1.0:10-20",)))
    assert not (tmp_path / "microscope.sqlite").exists()
