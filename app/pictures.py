"""The picture a family tile (or a tour stop) shows for a unit: the stored kind that reads best (store.kinds.READABLE).

A family view fetches the chosen units' pictures besides their channel thumbnails in one query (`load_pictures`),
then `choose_picture` picks per unit: the centre neuron's image where the store holds one, else the channel's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app import urls
from store.kinds import CHANNEL, READABLE, readable_kind
from store.reader import StoreReader
from store.records import AssetRef, UnitSummary

Pictures = dict[str, dict[int, dict[str, AssetRef]]]  # layer → unit → kind → image (channel: the unit's thumbnail)
BETTER = [name for name in READABLE if name != CHANNEL]  # the kinds fetched besides the thumbnail


def load_pictures(reader: StoreReader, model_id: str, chosen: Mapping[str, Sequence[int]]) -> Pictures:
    """The chosen units' images of the kinds that read better than their channel thumbnail (one query)."""
    return reader.pictures_of(model_id, chosen, BETTER)


def choose_picture(summary: UnitSummary, held: Mapping[str, AssetRef]) -> tuple[str | None, str | None]:
    """(kind, URL) of the unit's picture that reads best among `held` and its thumbnail; (None, None) without any."""
    stored = {**({CHANNEL: summary.thumbnail} if summary.thumbnail else {}), **held}
    kind = readable_kind(stored)
    return kind, None if kind is None else urls.maybe_asset(stored[kind])
