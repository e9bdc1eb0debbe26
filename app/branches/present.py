"""The branch page of a concatenating layer: its units grouped by branch, each branch's per-unit scores (histograms,
mean and median) and label groups (hand labels up to their qualifier), and the plots the page draws from them.

Presenters here never query: they are handed the units `reader.units` fetched (branch, label, thumbnail and scores
in one query). Every score `store.scores.SCORES` declares appears once some unit of the layer holds it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from markupsafe import Markup

from app import routes, urls
from app.branches.schemas import (
    BranchDetailPublic,
    BranchesPublic,
    BranchUnitPublic,
    LabelGroupPublic,
    ScorePublic,
    ScoreStatsPublic,
)
from app.deps import BranchesContext
from app.plots.histogram import Series, histogram_svg
from app.schemas import BranchPublic
from app.units.present import branch_spans, label_source_public, unit_summary
from store.circle import circular_mean, circular_median, circular_spread
from store.records import UnitSummary
from store.scores import SCORES, Score

BINS = 10  # histogram bins over a score's declared range
# A label's group is the label up to a qualifier (": …", " (…", " — …"). Not " / ": the Early Vision family names
# contain it ("Fur boundary / posture", "Circles / Loops"), so every Early Vision label is a whole group name, and
# a unit in two groups ("Curves / Complex Shapes and Curvature") counts under that pair.
_QUALIFIER = re.compile(r"\s*(?::\s|\(|\s[—–]\s).*$", re.DOTALL)


def label_group(label: str) -> str:
    """The group a hand label belongs to: the label without its qualifier, e.g. 'Curves (early)' → 'Curves'."""
    group = _QUALIFIER.sub("", label).strip()
    return group or label.strip()


def score_bins(score: Score, bins: int = BINS) -> list[float]:
    """The edges of `bins` equal bins over the score's declared range."""
    width = (score.high - score.low) / bins
    return [score.low + i * width for i in range(bins)] + [score.high]


def histogram(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Values per bin of `edges` (a value on an inner edge goes to the bin above it; outside ones to the end bins)."""
    bins = len(edges) - 1
    counts = [0] * bins
    low, high = edges[0], edges[-1]
    for value in values:
        position = (value - low) / ((high - low) or 1.0) * bins
        counts[min(bins - 1, max(0, int(position)))] += 1
    return counts


def score_stats(score: Score, values: Sequence[float]) -> ScoreStatsPublic:
    """How many units hold the score, their mean, median, spread and range (an angle's round the circle), and their
    histogram."""
    given = bool(values)
    if score.circular:
        mean, median, spread = circular_mean(values), circular_median(values), circular_spread(values)
    else:
        mean = statistics.fmean(values) if given else None
        median = statistics.median(values) if given else None
        spread = statistics.pstdev(values) if given else None
    return ScoreStatsPublic(
        score=score.name,
        count=len(values),
        mean=mean,
        median=median,
        spread=spread,
        min=min(values) if given else None,
        max=max(values) if given else None,
        histogram=histogram(values, score_bins(score)),
    )


def label_groups(units: Sequence[UnitSummary]) -> list[LabelGroupPublic]:
    """The label groups among the units, most units first (then by name)."""
    counts = Counter(label_group(u.label) for u in units if u.label)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return [LabelGroupPublic(family=family, units=n) for family, n in ranked]


def held_scores(units: Sequence[UnitSummary]) -> list[Score]:
    """The declared scores some unit holds, in declaration order."""
    return [score for name, score in SCORES.items() if any(name in u.scores for u in units)]


def _branch(ctx: BranchesContext, span: BranchPublic, scores: list[Score]) -> BranchDetailPublic:
    members = ctx.units[span.first : span.first + span.units]
    unit_list = [
        BranchUnitPublic.model_validate({**unit_summary(ctx.model, ctx.layer, u).model_dump(), "scores": u.scores})
        for u in members
    ]
    return BranchDetailPublic(
        **span.model_dump(),
        layer=span.name if span.url else None,
        unit_list=unit_list,
        scores=[score_stats(s, [u.scores[s.name] for u in members if s.name in u.scores]) for s in scores],
        labelled=sum(1 for u in members if u.label),
        label_families=label_groups(members),
    )


def branches_public(ctx: BranchesContext) -> BranchesPublic:
    """The layer's units by branch, with each branch's score summaries and label groups."""
    model, layer = ctx.model, ctx.layer
    scores = held_scores(ctx.units)
    sources = {u.label_source.key: u.label_source for u in ctx.units if u.label and u.label_source}
    return BranchesPublic(
        model=model.id,
        layer=layer.name,
        units=layer.units,
        url=urls.path(routes.BRANCHES, model=model.id, layer=layer.name),
        api_url=urls.path(routes.API_BRANCHES, model=model.id, layer=layer.name),
        layer_url=urls.path(routes.LAYER, model=model.id, layer=layer.name),
        scores=[ScorePublic(**asdict(s), bins=score_bins(s)) for s in scores],
        branches=[_branch(ctx, span, scores) for span in branch_spans(model, ctx.units)],
        label_sources=[label_source_public(source) for source in sources.values()],
    )


@dataclass
class BranchPlots:
    """The page's histograms: per score one of every branch stacked, and per branch one per score."""

    compared: dict[str, Markup] = field(default_factory=dict)  # by score name
    by_branch: list[dict[str, Markup]] = field(default_factory=list)  # in the page's branch order, by score name


def branch_plots(page: BranchesPublic) -> BranchPlots:
    """Draw the histograms of a branch page from its response model."""
    plots = BranchPlots(by_branch=[{} for _ in page.branches])
    for i, score in enumerate(page.scores):
        stacked = [Series(b.name, b.scores[i].histogram) for b in page.branches]
        title = f"{score.title}: {page.layer}'s units by branch"
        plots.compared[score.name] = histogram_svg(score.bins, stacked, title=title, x_title=score.title, width=520)
        for k, b in enumerate(page.branches):  # each branch in its colour of the stacked plot
            title = f"{score.title} of {b.name} ({b.scores[i].count} of {b.units} units)"
            alone = [Series(b.name, b.scores[i].histogram, colour=k)]
            svg = histogram_svg(score.bins, alone, title=title, x_title=score.title)
            plots.by_branch[k][score.name] = svg
    return plots
