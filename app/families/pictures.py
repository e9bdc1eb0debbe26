"""The picture a family tile (or a tour stop) shows for a unit: the stored kind that reads best (store.kinds.READABLE).

A family view asks the reader for the ranked units' images of the kinds that read better than the channel thumbnail
(`BETTER`, in the same query: `units_scored(..., pictures=BETTER)`); `choose_picture` then picks per unit: the centre
neuron's image where the store holds one, else the channel's.
"""

from __future__ import annotations

from app import urls
from store.kinds import CHANNEL, READABLE, readable_kind
from store.records import UnitSummary

BETTER = tuple(name for name in READABLE if name != CHANNEL)  # the kinds fetched besides the thumbnail


def choose_picture(summary: UnitSummary) -> tuple[str | None, str | None]:
    """(kind, URL) of the unit's picture that reads best among its `pictures` and its thumbnail; (None, None) when
    it has neither."""
    stored = {**({CHANNEL: summary.thumbnail} if summary.thumbnail else {}), **summary.pictures}
    kind = readable_kind(stored)
    return kind, None if kind is None else urls.maybe_asset(stored[kind])
