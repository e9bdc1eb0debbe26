"""The feature-vis stage: what the store lacks of the run's plan (precompute.feature_vis.VisPlan), rendered in batches
in this process or a Ray task per batch, each batch committed as it comes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from precompute import distributed
from precompute.config import PrecomputeConfig
from precompute.distributed import Cluster
from precompute.feature_vis import Pending, VisPlan, count_images, feature_vis_stage, parse_extras, pending_work
from precompute.layers import LayerInfo
from precompute.optvis import Renderer, RenderSettings
from precompute.optvis.render import auto_precision, auto_transforms, auto_upscale
from precompute.stages.stage import Run, Stage
from precompute.zoo import LoadedModel

Advance = Callable[[float, str], None]  # (images, what): a bar advanced by a share of a batch, showing what it renders


def render_settings(config: PrecomputeConfig, model: LoadedModel) -> RenderSettings:
    """The render settings a precompute run uses for this model (precision auto: bf16 on CUDA, fp32 on a CPU)."""
    precision = auto_precision(config.device) if config.precision == "auto" else config.precision
    size = config.size or model.vis_size
    pad, jitter = auto_transforms(size)
    return RenderSettings(
        steps=config.steps,
        size=size,
        oversample=config.oversample,
        upscale=config.upscale or auto_upscale(size * config.oversample),
        pad=pad if config.pad is None else config.pad,
        jitter=jitter if config.jitter is None else config.jitter,
        lr=config.lr,
        lr_schedule=config.lr_schedule,
        tensor=config.tensor,
        seed=config.seed,
        precision=precision,
    )


def vis_plan(config: PrecomputeConfig, model: LoadedModel, layers: list[LayerInfo]) -> VisPlan:
    """What the feature-vis stage renders for this run, and the settings stored with it (a bad --extras fails)."""
    render_cfg = render_settings(config, model)
    return VisPlan(
        extras=None if config.extras is None else parse_extras(config.extras, layers, config.kinds),
        kinds=tuple(config.kinds),
        render=render_cfg,
        diversity=config.diversity,
        batch=config.vis_batch,
        base_settings={**render_cfg.as_dict(), "weights_sha256": model.weights_hash, "input": model.input.as_dict()},
        transparency=config.transparency,
    )


@dataclass(frozen=True)
class Rendering:
    """What is left to render and how: the plan (with the tensors each layer's objectives read) and the renderer."""

    plan: VisPlan
    pending: Pending
    renderer: Renderer
    compiled: bool  # render graphs under torch.compile


def _todo(run: Run) -> Rendering:
    """The images the store lacks, as the run's plan makes them."""
    config, model, layers = run.config, run.model, run.layers
    compiled = config.compile == "on" or (config.compile == "auto" and config.device == "cuda")
    names = [layer.name for layer in layers]
    renderer = Renderer(model.module, model.input.normalize, device=config.device, layers=names, compile=compiled)
    plan = vis_plan(config, model, layers)
    plan = replace(plan, reads={layer.name: renderer.reads(layer.name, plan.render) for layer in layers})
    return Rendering(plan, pending_work(model, layers, run.writer, plan), renderer, compiled)


@contextmanager
def _advancing(run: Run, work: Rendering) -> Iterator[Advance]:
    """The stage's bar over the images to render, advanced with what is being rendered."""
    with run.bar("feature vis", count_images(work.pending, work.plan), "img") as bar:

        def advance(images: float, what: str) -> None:
            bar.set_postfix_str(what, refresh=False)  # drawn by update, at most ten times a second
            bar.update(images)

        yield advance


def _local(run: Run, work: Rendering) -> int:
    with _advancing(run, work) as advance:
        return feature_vis_stage(
            run.model, run.layers, work.pending, run.writer, work.plan, work.renderer, progress=advance
        )


def _ray(run: Run, cluster: Cluster, work: Rendering) -> int:
    model, layers, writer = run.model, run.layers, run.writer
    with _advancing(run, work) as advance:
        return distributed.render(
            cluster, model, layers, work.pending, writer, work.plan, compiled=work.compiled, progress=advance
        )


FEATURE_VIS = Stage("feature vis", todo=_todo, local=_local, ray=_ray, summary="rendered_images", check=vis_plan)
