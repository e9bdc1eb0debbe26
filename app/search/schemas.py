"""Response models of the site-wide search."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchHitPublic(BaseModel):
    """One search result: a unit, layer, model or class, and how well it matched."""

    kind: str = Field(description="'unit', 'family' (a layer's family page), 'layer', 'model', 'class' or 'tour'")
    title: str = Field(description="what to show, e.g. 'inceptionv1/mixed4b:409' or 'goldfish'")
    detail: str = Field(description="a line of context, e.g. the unit's hand label or the model's title")
    query: str = Field(description="the text that searches for exactly this result, e.g. 'inceptionv1/mixed4b'")
    match: str = Field(description="'exact', 'prefix', 'substring' or 'related' (a labelled unit of a matched layer)")
    field: str = Field(
        description="what matched: 'ref', 'name', 'title', 'label', 'class', an instructor's 'note label' or 'note', "
        "a tour's 'description' or 'caption', a 'family' the query names (its page in a layer), or a measured 'score' "
        "the query names (the unit is among its highest)"
    )
    model: str
    url: str
    api_url: str
    label_source: str | None = Field(
        None,
        description="a unit's caption (`detail`) quotes its hand label ('hand') or, where the store holds no hand "
        "label, an instructor's label from their note ('instructor'); null: no label quoted",
    )
    examples: list[str] = Field(
        default_factory=list,
        description="a unit's crops of its first top dataset examples, best first: what it responds to (empty for "
        "other kinds, units without examples, and the search box's suggestions)",
    )


class SearchExamplePublic(BaseModel):
    """A query to try, built from what the store holds."""

    q: str
    url: str


class SearchPublic(BaseModel):
    """Units, layers, models and classes matching the search text, best first (app.search says how; a measured
    score's units: highest value first, ties by the larger absolute response to the family's stimuli, then unit
    number)."""

    q: str
    total: int = Field(description="how many results matched; `hits` holds at most `limit` of them")
    limit: int
    hits: list[SearchHitPublic]
    examples: list[SearchExamplePublic] = Field(description="queries to try (shown when nothing matched)")
