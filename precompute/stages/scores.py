"""The stages that score units: colour vs black & white from the dataset examples (precompute.colour), and tuning
curves from parametric stimuli (precompute.tuning). Both run in this process, --ray or not, and their functions skip
the layers stored with the same settings themselves."""

from __future__ import annotations

from precompute.colour import colour_settings, colour_stage
from precompute.config import PrecomputeConfig
from precompute.layers import LayerInfo
from precompute.stages.examples import examples_settings
from precompute.stages.stage import Run, Stage
from precompute.tuning import conv_layers, tuning_stage
from precompute.zoo import LoadedModel


def _every_layer(run: Run) -> list[LayerInfo]:
    return run.layers


def _colour(run: Run, layers: list[LayerInfo]) -> list[str]:
    """Measure bw_ratio where it is not stored with these settings, from the top images the examples stage ranked
    (or ranks again, for layers whose examples were stored before); the layers measured."""
    config = run.config
    settings = colour_settings(examples_settings(run), config.colour_sample)
    return colour_stage(
        run.model,
        layers,
        run.images,
        run.writer,
        settings,
        tops=run.tops,
        top_k=config.top_k,
        sample=config.colour_sample,
        batch_size=config.image_batch,
        device=config.device,
        show_progress=config.progress,
    )


def _colour_enabled(config: PrecomputeConfig) -> bool:
    return config.images is not None and config.colour_scores


def tuned_layers(config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo]) -> list[LayerInfo]:
    """The layers whose tuning curves the run measures (none with --no-tuning); a bad --tuning-layers fails."""
    return conv_layers(layers, config.tuning_layers) if config.tuning else []


def _tuned(run: Run) -> list[LayerInfo]:
    return tuned_layers(run.config, run.model, run.layers)


def _tuning(run: Run, layers: list[LayerInfo]) -> list[str]:
    return tuning_stage(run.model, layers, run.writer, device=run.config.device, show_progress=run.config.progress)


COLOUR = Stage("colour vs b&w", todo=_every_layer, local=_colour, summary="score_layers", enabled=_colour_enabled)
# Every run has it: with --no-tuning it covers no layer (and draws an empty bar, as it always has).
TUNING = Stage("tuning curves", todo=_tuned, local=_tuning, summary="tuning_layers", check=tuned_layers)
