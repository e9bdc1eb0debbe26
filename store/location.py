"""Where a store is: a database URL and an asset root (`--store DIR` is the shorthand naming both in one folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from store.db import check_url, display_url, folder_of, folder_url
from store.paths import ASSETS_DIR


@dataclass(frozen=True)
class StoreLocation:
    """A store's database (any SQLAlchemy URL) and the folder holding its content-addressed asset files."""

    db_url: str
    assets: Path

    def __post_init__(self) -> None:
        check_url(self.db_url)
        object.__setattr__(self, "assets", Path(self.assets))

    @classmethod
    def folder(cls, root: str | os.PathLike[str]) -> StoreLocation:
        """The store folder `root`: its database file and its `assets/` folder side by side."""
        return cls(folder_url(Path(root)), Path(root) / ASSETS_DIR)

    @classmethod
    def resolve(
        cls, store: str | os.PathLike[str], db: str | None = None, assets: str | os.PathLike[str] | None = None
    ) -> StoreLocation:
        """The command line's choice: `--store` names both parts, `--db` and `--assets` replace either."""
        base = cls.folder(store)
        return cls(db or base.db_url, Path(assets) if assets is not None else base.assets)

    @property
    def root(self) -> Path | None:
        """The store folder when this is the `--store` layout (database and assets/ side by side), else None."""
        folder = folder_of(self.db_url)
        return folder if folder is not None and self.assets == folder / ASSETS_DIR else None

    def __str__(self) -> str:
        # Messages name the store by this; a password in the URL is masked.
        root = self.root
        return str(root) if root is not None else f"{display_url(self.db_url)} (assets {self.assets})"

    def __repr__(self) -> str:
        return f"StoreLocation(db_url={display_url(self.db_url)!r}, assets={str(self.assets)!r})"


StoreLike = StoreLocation | str | os.PathLike[str]


def as_location(store: StoreLike) -> StoreLocation:
    """`store` as a StoreLocation: a StoreLocation as is, a folder path as the store folder shorthand."""
    return store if isinstance(store, StoreLocation) else StoreLocation.folder(store)
