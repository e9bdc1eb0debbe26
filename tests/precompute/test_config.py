"""PrecomputeConfig: the one description of precompute options, its choices and its store."""

from __future__ import annotations

from pathlib import Path

import pytest

from precompute.config import PRECISIONS, PrecomputeConfig
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
