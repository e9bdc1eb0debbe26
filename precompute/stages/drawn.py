"""The stages drawn from what the stages before them stored: link-preview cards (precompute.cards), the unit pages'
figures (precompute.figures), the model's findings (precompute.findings) and the standard experiments on its families
(precompute.experiments). They run in this process, --ray or not, and their functions skip what is stored with the
same settings themselves."""

from __future__ import annotations

from precompute.cards import cards_stage
from precompute.config import PrecomputeConfig
from precompute.experiments_stage import experiments_stage
from precompute.figures import figures_stage
from precompute.findings import findings_stage, summary_line
from precompute.stages.stage import Run, Stage


def _layer_names(run: Run) -> list[str]:
    return [layer.name for layer in run.layers]


def _model(run: Run) -> str:
    """The model: these stages cover every layer of it the store holds."""
    return run.model.id


def _cards(run: Run, layers: list[str]) -> list[str]:
    return cards_stage(run.writer, run.model.id, layers, progress=run.config.progress)


def _cards_enabled(config: PrecomputeConfig) -> bool:
    return config.cards


def _figures(run: Run, model: str) -> list[str]:
    return figures_stage(run.writer, model, progress=run.config.progress)


def _findings(run: Run, model: str) -> str:
    return summary_line(findings_stage(run.model, run.writer, device=run.config.device, progress=run.config.progress))


def _experiments(run: Run, model: str) -> str:
    return experiments_stage(run.model, run.writer, run.images, device=run.config.device, progress=run.config.progress)


def _experiments_enabled(config: PrecomputeConfig) -> bool:
    """Asked for, with dataset images to measure the accuracy on."""
    return config.experiments and config.images is not None


CARDS = Stage("link-preview cards", todo=_layer_names, local=_cards, summary="card_layers", enabled=_cards_enabled)
FIGURES = Stage("unit figures", todo=_model, local=_figures, summary="figure_layers")
FINDINGS = Stage("findings", todo=_model, local=_findings, summary="findings")
EXPERIMENTS = Stage("experiments", todo=_model, local=_experiments, summary="experiments", enabled=_experiments_enabled)
