"""`microscope precompute`, generated from PrecomputeConfig, rejects bad options with exit 2 and the valid choices;
precompute, check and serve name a store by --store or by --db and --assets."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from microscope.cli import app, main
from precompute.cli_options import option_name
from precompute.config import PrecomputeConfig
from store.location import StoreLocation
from tests.conftest import build_toy_store
from tests.store.test_damaged import overwrite_page, stamp, table_page


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--objectives", "channel,dreams"], "valid kinds are channel, neuron, negative, diversity"),
        (["--objectives", "neuron"], "channel is always needed"),
        (["--extras", "layer9:1"], "among those computed: relu, layer1.0"),
        (["--extras", "layer1.0:3-99"], "layer1.0 has units 0–15"),
        (["--precision", "fp8"], "fp32"),
    ],
)
def test_bad_feature_vis_option_exits_2_listing_the_valid_choices(
    tmp_path: Path, random_resnet20: Path, option: list[str], message: str
) -> None:
    store = tmp_path / "store"
    args = ["precompute", "--model", "cifar-resnet20", "--weights", str(random_resnet20), "--store", str(store)]
    done = CliRunner().invoke(app, [*args, *option, "--no-progress"])
    assert done.exit_code == 2, done.output
    assert message in " ".join(done.output.split())
    assert not (store / "microscope.sqlite").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--kinds", "channel,dreams"], "valid kinds are channel, neuron, negative, diversity"),
        (["--kinds", "neuron"], "channel is always needed"),
        (["--device", "tpu"], "cpu"),
        (["--steps", "0"], "greater than or equal to 1"),
        (["--db", "not a url"], "not a database URL"),
    ],
)
def test_bad_option_exits_2_with_the_valid_choices_and_no_traceback(
    tmp_path: Path, option: list[str], message: str
) -> None:
    done = CliRunner().invoke(app, ["precompute", "--model", "m", "--store", str(tmp_path / "s"), *option])
    assert done.exit_code == 2, done.output
    assert message in " ".join(done.output.split())
    assert "Traceback" not in done.output


def test_every_config_field_is_an_option_with_its_description() -> None:
    command = typer.main.get_command(app).commands["precompute"]  # type: ignore[attr-defined]
    options = {param.name: param for param in command.params}
    for name, info in PrecomputeConfig.__pydantic_fields__.items():  # type: ignore[attr-defined]
        assert option_name(name) in options[name].opts, name
        assert options[name].help.startswith(info.description), name


@pytest.fixture
def run_config(monkeypatch: pytest.MonkeyPatch) -> list[PrecomputeConfig]:
    """The configs `microscope precompute` would run, recorded instead of run."""
    from precompute import pipeline

    seen: list[PrecomputeConfig] = []
    monkeypatch.setattr(pipeline, "run_precompute", lambda config: seen.append(config) or _Summary())
    return seen


class _Summary:
    def describe(self, store: object) -> str:
        return f"would precompute into {store}"


def test_options_become_the_config_comma_separated_lists_as_tuples(
    tmp_path: Path, run_config: list[PrecomputeConfig]
) -> None:
    done = CliRunner().invoke(
        app,
        ["precompute", "--model", "m", "--layers", "a, b", "--kinds", "channel,negative", "--steps", "3"]
        + ["--store", str(tmp_path), "--no-progress"],
    )
    assert done.exit_code == 0, done.output
    (config,) = run_config
    assert (config.layers, config.kinds) == (("a", "b"), ("channel", "negative"))
    assert (config.steps, config.progress) == (3, False)
    assert config.location == StoreLocation.folder(tmp_path)
    assert f"would precompute into {tmp_path}" in done.output


def test_a_preset_takes_only_the_options_given_on_top(tmp_path: Path, run_config: list[PrecomputeConfig]) -> None:
    args = ["precompute", "--preset", "tiny", "--model", "m", "--store", str(tmp_path), "--steps", "3", "--tuning"]
    unset = {f"MICROSCOPE_{name}": None for name in ("STORE", "DB", "ASSETS", "THREADS")}
    done = CliRunner().invoke(app, args, env=unset)
    assert done.exit_code == 0, done.output
    assert run_config == [PrecomputeConfig.preset("tiny", model="m", store=tmp_path, steps=3, tuning=True)]


def test_an_unknown_preset_exits_2_listing_the_valid_ones(tmp_path: Path, run_config: list[PrecomputeConfig]) -> None:
    done = CliRunner().invoke(app, ["precompute", "--preset", "huge", "--model", "m", "--store", str(tmp_path)])
    assert done.exit_code == 2, done.output
    assert "unknown preset 'huge'; valid: tiny, demo, full" in " ".join(done.output.split())
    assert run_config == []


@pytest.mark.parametrize(
    ("options", "ray"),
    [
        (["--ray"], "local"),  # a bare --ray, last
        (["--ray", "--no-progress"], "local"),  # a bare --ray before another option
        (["--ray", "10.0.0.1:6379"], "10.0.0.1:6379"),
        (["--ray=ray://head:10001"], "ray://head:10001"),
        ([], None),
    ],
)
def test_ray_takes_an_address_or_alone_starts_a_local_cluster(
    tmp_path: Path, run_config: list[PrecomputeConfig], monkeypatch: pytest.MonkeyPatch, options: list[str], ray: str
) -> None:
    monkeypatch.setattr(sys, "argv", ["microscope", "precompute", "--model", "m", "--store", str(tmp_path), *options])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert run_config[0].ray == ray


def test_objectives_is_still_accepted_for_kinds(tmp_path: Path, run_config: list[PrecomputeConfig]) -> None:
    done = CliRunner().invoke(app, ["precompute", "--model", "m", "--objectives", "channel,neuron"])
    assert done.exit_code == 0, done.output
    assert run_config[0].kinds == ("channel", "neuron")


def test_precompute_says_first_how_many_cpu_threads_it_uses(tmp_path: Path, run_config: list[PrecomputeConfig]) -> None:
    done = CliRunner().invoke(app, ["precompute", "--model", "m", "--store", str(tmp_path), "--threads", "3"])
    assert done.exit_code == 0, done.output
    assert run_config[0].threads == 3
    assert done.output.splitlines()[0].startswith("using 3 CPU threads of ")


def test_microscope_threads_in_the_environment_sets_the_threads(
    tmp_path: Path, run_config: list[PrecomputeConfig]
) -> None:
    args = ["precompute", "--model", "m", "--store", str(tmp_path)]
    done = CliRunner().invoke(app, args, env={"MICROSCOPE_THREADS": "1"})
    assert done.exit_code == 0, done.output
    assert run_config[0].threads == 1 and done.output.startswith("using 1 CPU thread of ")


def test_db_and_assets_name_a_split_store(tmp_path: Path, run_config: list[PrecomputeConfig]) -> None:
    db = f"sqlite:///{tmp_path}/x/db.sqlite"
    done = CliRunner().invoke(app, ["precompute", "--model", "m", "--db", db, "--assets", str(tmp_path / "y")])
    assert done.exit_code == 0, done.output
    assert run_config[0].location == StoreLocation(db, tmp_path / "y")


@pytest.fixture(scope="module")
def split_store(tmp_path_factory: pytest.TempPathFactory) -> StoreLocation:
    """The toy store with its database in one folder and its images in another."""
    location = StoreLocation(f"sqlite:///{tmp_path_factory.mktemp('x')}/db.sqlite", tmp_path_factory.mktemp("y"))
    build_toy_store(location)
    return location


def test_check_accepts_db_and_assets(split_store: StoreLocation) -> None:
    args = ["check", "--db", split_store.db_url, "--assets", str(split_store.assets), "--hashes"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith("ok")


def test_check_of_a_split_store_by_its_database_alone_misses_every_image(split_store: StoreLocation) -> None:
    done = CliRunner().invoke(app, ["check", "--db", split_store.db_url, "--store", str(split_store.assets)])
    assert done.exit_code == 1
    assert "asset folder missing" in done.output


def test_check_with_store_alone_means_both(toy_store: Path) -> None:
    done = CliRunner().invoke(app, ["check", "--store", str(toy_store)])
    assert done.exit_code == 0, done.output


def test_serve_accepts_db_and_assets(split_store: StoreLocation, monkeypatch: pytest.MonkeyPatch) -> None:
    from app import server

    served: list[object] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: served.append(app.state.reader.location))
    args = ["serve", "--db", split_store.db_url, "--assets", str(split_store.assets), "--store", "/nowhere"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert served == [split_store]


@pytest.fixture
def newer_store(toy_store: Path, tmp_path: Path) -> Path:
    """A copy of the toy store stamped with a format version from a newer microscope."""
    store = Path(shutil.copytree(toy_store, tmp_path / "store"))
    stamp(store, "9999")
    return store


def test_precompute_into_a_store_of_a_newer_format_refuses_saying_to_upgrade(
    newer_store: Path, random_resnet20: Path
) -> None:
    args = ["precompute", "--model", "cifar-resnet20", "--weights", str(random_resnet20), "--store", str(newer_store)]
    done = CliRunner().invoke(app, [*args, "--no-progress"])
    assert done.exit_code == 2, done.output
    assert "upgrade microscope" in done.output and "9999" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_labels_import_into_a_store_of_a_newer_format_refuses_saying_to_upgrade(
    newer_store: Path, tmp_path: Path
) -> None:
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "block1.json").write_text('[{"name": "Curves", "units": [1]}]', encoding="utf-8")
    done = CliRunner().invoke(
        app, ["labels", "import", "toy-net", str(tmp_path / "labels"), "--store", str(newer_store)]
    )
    assert done.exit_code == 2, done.output
    assert "upgrade microscope" in done.output
    assert isinstance(done.exception, SystemExit)


def test_check_of_a_damaged_database_prints_a_few_lines_naming_the_file(toy_store: Path, tmp_path: Path) -> None:
    store = Path(shutil.copytree(toy_store, tmp_path / "store"))
    for table in ("units", "feature_vis", "dataset_examples", "connections"):
        overwrite_page(store, table_page(store, table))
    done = CliRunner().invoke(app, ["check", "--store", str(store)])
    assert done.exit_code == 1
    assert str(store / "microscope.sqlite") in done.output
    assert len(done.output.strip().splitlines()) <= 8
