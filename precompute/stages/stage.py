"""A precompute stage declared once (`Stage`), the run every stage reads and writes (`Run`), and what it did
(`PrecomputeSummary`).

`precompute.stages.STAGES` lists the declarations in order; `precompute.pipeline` only walks it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tqdm import tqdm

from precompute.config import PrecomputeConfig
from precompute.distributed import Cluster
from precompute.images import DatasetImage
from precompute.layers import LayerInfo
from precompute.progress import stage_bar
from precompute.rankings import TopExamples
from precompute.unit_labels import LabelImport
from precompute.zoo import LoadedModel
from store.location import StoreLocation
from store.records import Settings
from store.writer import StoreWriter

Work = TypeVar("Work")
Result = TypeVar("Result")


@dataclass
class PrecomputeSummary:
    """What a run did."""

    model: str
    layers: list[str]
    examples_layers: list[str] = field(default_factory=list)
    connection_layers: list[str] = field(default_factory=list)
    score_layers: list[str] = field(default_factory=list)  # layers whose colour scores (bw_ratio) were measured
    tuning_layers: list[str] = field(default_factory=list)  # layers whose tuning curves were measured
    rendered_images: int = 0
    card_layers: list[str] = field(default_factory=list)  # layers whose units' preview cards were (re)drawn
    figure_layers: list[str] = field(default_factory=list)  # layers whose unit pages' figures were (re)drawn
    findings: str = "findings kept"  # what the findings stage did: its verdicts' counts when it measured
    experiments: str = "no experiments"  # what the experiments stage did, in words
    unit_labels: LabelImport | None = None

    def describe(self, store: StoreLocation) -> str:
        """One line saying what the run did (and one more for imported unit labels)."""
        line = (
            f"{self.model}: {len(self.layers)} layers; dataset examples for {len(self.examples_layers)}, "
            f"colour scores for {len(self.score_layers)}, tuning curves for {len(self.tuning_layers)}, "
            f"connections for {len(self.connection_layers)}, "
            f"{self.rendered_images} feature visualizations rendered, "
            f"{self.findings}, {self.experiments}. "
            f"Store: {store}"
        )
        return line + (f"\n{self.unit_labels.describe(self.model)}" if self.unit_labels else "")


@dataclass
class Run:
    """One precompute run: what its stages read, the store they write, and what they did so far."""

    config: PrecomputeConfig
    model: LoadedModel
    layers: list[LayerInfo]
    writer: StoreWriter
    cluster: Cluster | None  # the Ray cluster of --ray, or none: every stage runs in this process
    images: list[DatasetImage]  # the dataset (--images, at most --max-images), scanned once; empty without one
    summary: PrecomputeSummary
    tops: dict[str, TopExamples] = field(default_factory=dict)  # each layer's top images the examples stage ranked

    def stored(self, layer: str, stage: str) -> Settings | None:
        """The settings `stage` (a store.records stage name) finished with for the layer, None when it has not: the
        question every resume asks."""
        return self.writer.reader.stage_settings(self.model.id, layer, stage)

    def bar(self, title: str, total: int, unit: str) -> tqdm:
        """A stage's progress bar over `total` items (`unit` names them); silent unless the run shows progress."""
        return stage_bar(title, total, unit, enabled=self.config.progress)


def always(config: PrecomputeConfig) -> bool:
    """Every run has the stage."""
    return True


@dataclass(frozen=True)
class Stage(Generic[Work, Result]):
    """One precompute stage: its name, when a run has it, what is left of it, how it does that in this process and
    as Ray tasks, and its part of the summary. Its settings decide resume: its module's `*_settings`, which `todo`
    compares with those each layer was stored with (`Run.stored`), or the stage function it calls does."""

    name: str  # its progress bar's title (the first, where it draws several)
    todo: Callable[[Run], Work]  # what is left: the work not stored with the stage's settings (or what it covers)
    local: Callable[[Run, Work], Result]  # does it in this process, drawing its progress bar
    summary: str  # the PrecomputeSummary field that records what it did (its result)
    ray: Callable[[Run, Cluster, Work], Result] | None = None  # does it as Ray tasks; None: here, --ray or not
    enabled: Callable[[PrecomputeConfig], bool] = always
    check: Callable[[PrecomputeConfig, LoadedModel, list[LayerInfo]], object] | None = None  # a bad option fails here

    def perform(self, run: Run) -> None:
        """Do what is left of the stage: as Ray tasks where the run has a cluster and the stage runs there."""
        work = self.todo(run)
        if run.cluster is not None and self.ray is not None:
            result = self.ray(run, run.cluster, work)
        else:
            result = self.local(run, work)
        setattr(run.summary, self.summary, result)
