"""The store contract shared by precompute (writes) and the app (reads). Imports neither torch nor fastapi."""

from store.refs import UnitRef

__all__ = ["UnitRef"]
