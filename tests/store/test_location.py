"""A store is a database URL plus an asset root: `--store DIR` names both, or they live in two folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.urls import asset
from app.web.config import Settings
from store.db import StoreFormatError, database_path, open_read_only
from store.integrity import check_store
from store.location import StoreLocation, as_location
from store.paths import asset_path
from store.reader import StoreReader
from tests.conftest import TOY_MODEL, build_toy_store


@pytest.fixture(scope="module")
def split_store(tmp_path_factory: pytest.TempPathFactory) -> StoreLocation:
    """The toy store written with its database file in one folder and its asset files in another."""
    db_folder, assets = tmp_path_factory.mktemp("x"), tmp_path_factory.mktemp("y")
    location = StoreLocation(f"sqlite:///{db_folder}/db.sqlite", assets)
    build_toy_store(location)
    return location


def test_store_folder_is_the_database_file_and_assets_side_by_side(tmp_path: Path) -> None:
    location = StoreLocation.folder(tmp_path)
    assert location.db_url == f"sqlite:///{tmp_path}/microscope.sqlite"
    assert (location.assets, location.root, str(location)) == (tmp_path / "assets", tmp_path, str(tmp_path))


def test_a_folder_path_means_the_store_folder(tmp_path: Path) -> None:
    assert as_location(tmp_path) == StoreLocation.folder(tmp_path)
    assert as_location(str(tmp_path)) == StoreLocation.folder(tmp_path)


def test_db_and_assets_replace_either_part_of_the_store_folder(tmp_path: Path) -> None:
    assert StoreLocation.resolve(tmp_path) == StoreLocation.folder(tmp_path)
    only_assets = StoreLocation.resolve(tmp_path, assets=tmp_path / "y")
    assert (only_assets.db_url, only_assets.assets) == (StoreLocation.folder(tmp_path).db_url, tmp_path / "y")
    only_db = StoreLocation.resolve(tmp_path, db="sqlite:////x/db.sqlite")
    assert (only_db.db_url, only_db.assets, only_db.root) == ("sqlite:////x/db.sqlite", tmp_path / "assets", None)


def test_a_password_in_the_url_is_never_shown() -> None:
    location = StoreLocation("postgresql://reader:s3cret@db.example/microscope", Path("/y"))
    assert "s3cret" not in str(location) and "s3cret" not in repr(location)
    assert "db.example/microscope" in str(location)


def test_a_string_that_is_no_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="not a database URL") as excinfo:
        StoreLocation("s3cret not a url", Path("/y"))
    assert "s3cret" not in str(excinfo.value)


def test_a_backend_without_its_driver_names_the_store_without_the_password() -> None:
    with pytest.raises(StoreFormatError, match="cannot open the store database") as excinfo:
        open_read_only("nosuchdialect://reader:s3cret@db.example/microscope")
    assert "s3cret" not in str(excinfo.value)


def test_split_store_puts_the_database_and_the_images_in_their_own_folders(split_store: StoreLocation) -> None:
    db_file = Path(split_store.db_url.removeprefix("sqlite:///"))
    assert db_file.is_file() and db_file.name == "db.sqlite"
    assert any(split_store.assets.glob("*/*.png"))
    assert not (db_file.parent / "assets").exists() and not database_path(split_store.assets).exists()


def test_split_store_checks_ok(split_store: StoreLocation) -> None:
    report = check_store(split_store, verify_hashes=True)
    assert report.ok, report.problems
    assert report.counts["assets"] == 13 + 4 + 39 + 2


def test_orphan_files_are_looked_for_under_the_asset_root(split_store: StoreLocation, tmp_path: Path) -> None:
    moved = StoreLocation(split_store.db_url, tmp_path)
    report = check_store(moved)
    assert len(report.problems) == 13 + 4 + 39 + 2
    assert report.problems[0].startswith(f"asset file missing: {tmp_path}")


def test_split_store_is_served_with_images_from_the_asset_root(split_store: StoreLocation) -> None:
    reader = StoreReader(split_store)
    thumbnail = reader.units(TOY_MODEL, "block1")[2].thumbnail
    reader.engine.dispose()
    assert thumbnail is not None
    settings = Settings(db=split_store.db_url, assets=split_store.assets, store=Path("/nowhere"))
    with TestClient(create_app(settings)) as client:
        page = client.get(f"/models/{TOY_MODEL}/layers/block1")
        image = client.get(asset(thumbnail))
    assert page.status_code == 200 and asset(thumbnail) in page.text
    assert image.status_code == 200
    assert image.content == asset_path(split_store.assets, thumbnail.sha256, thumbnail.ext).read_bytes()
