"""The picture a family tile or a tour stop shows for a unit: the stored kind that reads best (store.kinds.READABLE).

A family view asks the reader for the ranked units' images of the kinds that read better than the channel thumbnail
(`BETTER`, in the same query: `units_scored(..., pictures=BETTER)`; a tour asks `units(..., pictures=BETTER)`);
`choose_picture` then picks per unit: the centre neuron's image where the store holds one, else the channel's.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import urls
from store.kinds import CHANNEL, READABLE, readable_kind
from store.records import Picture, UnitSummary

BETTER = tuple(name for name in READABLE if name != CHANNEL)  # the kinds fetched besides the thumbnail


@dataclass(frozen=True)
class Chosen:
    """The picture a unit is shown by: its kind, its URL, and whether it was drawn transparent."""

    kind: str | None = None
    url: str | None = None
    transparent: bool = False


def choose_picture(summary: UnitSummary) -> Chosen:
    """The unit's picture that reads best among its `pictures` and its thumbnail (all None when it has neither)."""
    stored = {**({CHANNEL: Picture(summary.thumbnail)} if summary.thumbnail else {}), **summary.pictures}
    kind = readable_kind(stored)
    if kind is None:
        return Chosen()
    return Chosen(kind, urls.asset(stored[kind].asset), stored[kind].transparent)
