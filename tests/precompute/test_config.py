"""PrecomputeConfig: the one description of precompute options, its choices and its store."""

from __future__ import annotations

from pathlib import Path

import pytest

from precompute.config import PRECISIONS, PRESETS, PrecomputeConfig
from precompute.optvis.render import PRECISIONS as RENDER_PRECISIONS
from store.kinds import kind_names
from store.location import StoreLocation


def test_precisions_are_auto_and_the_render_loops_own() -> None:
    assert ("auto", *RENDER_PRECISIONS) == PRECISIONS


def test_every_declared_kind_is_rendered_by_default() -> None:
    assert PrecomputeConfig("m").kinds == kind_names()


def test_the_store_folder_names_both_parts_unless_db_or_assets_replace_them(tmp_path: Path) -> None:
    assert PrecomputeConfig("m", tmp_path).location == StoreLocation.folder(tmp_path)
    split = PrecomputeConfig("m", tmp_path, db="sqlite:////x/db.sqlite", assets=tmp_path / "y")
    assert split.location == StoreLocation("sqlite:////x/db.sqlite", tmp_path / "y")


def test_a_database_password_is_not_in_the_configs_repr() -> None:
    config = PrecomputeConfig("m", db="postgresql://u:s3cret@host/db")
    assert "s3cret" not in repr(config)


def test_unknown_options_are_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match="objectives"):
        PrecomputeConfig("m", objectives=("channel",))  # type: ignore[call-arg]


def test_the_full_preset_is_every_default() -> None:
    assert PrecomputeConfig.preset("full", model="m") == PrecomputeConfig("m")


def test_a_preset_is_its_settings_with_the_runs_on_top(tmp_path: Path) -> None:
    tiny = PrecomputeConfig.preset("tiny", model="m", store=tmp_path, top_k=3)
    assert (tiny.steps, tiny.kinds, tiny.progress, tiny.tuning, tiny.cards) == (1, ("channel",), False, False, False)
    assert (tiny.top_k, tiny.store) == (3, tmp_path)


def test_every_preset_builds_a_valid_config() -> None:
    for name in PRESETS:
        assert PrecomputeConfig.preset(name, model="m").model == "m"


def test_an_unknown_preset_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown preset 'huge'; valid: tiny, demo, full"):
        PrecomputeConfig.preset("huge", model="m")


def test_neuron_pictures_are_opaque_unless_asked_and_transparent_in_the_demo() -> None:
    assert PrecomputeConfig("m").transparency == 0.0  # as Microscope and Lucid draw them
    assert PrecomputeConfig.preset("demo", model="m").transparency == 0.5
    with pytest.raises(ValueError, match="transparency"):
        PrecomputeConfig("m", transparency=1.5)
