"""The render loop: optimize a batch of images to maximize an objective. It only optimizes and returns tensors."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from precompute.hooks import LayerTap
from precompute.optvis.objectives import Objective, channel
from precompute.optvis.params import ImageParam, fourier_image, laplacian_image, pixel_image
from precompute.optvis.prepare import prepare_for_render
from precompute.optvis.redirect import redirected_relu
from precompute.optvis.transforms import Transform, no_transforms, standard_transforms
from precompute.optvis.truncate import OUTPUT, PRE_RELU, TracedLayers, trace_layers

PARAMS = ("fourier", "pixel", "laplacian")
TRANSFORMS = ("standard", "none")
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}  # the model's forward under autocast to this dtype
SCHEDULES = ("constant", "cosine")
WARMUP_FRACTION = 0.05  # of the steps, for the cosine schedule
# Transparent renders: the grey a stored image is laid over, and the range of the random greys it is optimized over
# (flat, one per item and step: the unit cannot lean on any one ground, so only what it needs stays opaque).
RGBA = 4
GROUND = 0.5
GROUNDS = (0.2, 0.8)


def auto_precision(device: torch.device | str) -> str:
    """The precision to render with when none is asked for: bf16 on CUDA, fp32 elsewhere (emulated bf16 is slow)."""
    return "bf16" if torch.device(device).type == "cuda" else "fp32"


def auto_transforms(size: int) -> tuple[int, int]:
    """(pad, jitter) in px of a 128-px image for a network seeing `size` px: Lucid's (12, 8), or (0, 4) up to 64 px.

    A small network's deep layers have few positions (the demo's mixed4b: 4×4), and Lucid's pad greys a sixth of
    its view, at the border most of them read: on the demo's mixed4b 5×5 branch, (0, 4) lets 62 of 64 channel images
    reach their unit's best held-out image (mean over positions) against 55 with (12, 8) (bench/vis_quality.py).
    """
    return (0, 4) if size <= 64 else (12, 8)


def auto_upscale(side: int) -> int:
    """How much larger than optimized to store images: 4× up to 64 px, 2× up to 112 px, else 1×.

    A 32- or 64-px render shown at 224 px on a page is a few big pixels; stored at 4× it is smooth there.
    """
    return 4 if side <= 64 else 2 if side <= 112 else 1


@dataclass(frozen=True)
class RenderSettings:
    """How an image is rendered; stored with every image so it can be reproduced."""

    steps: int = 512  # Lucid's step count for its standard channel visualizations
    size: int = 128  # what the network sees: Lucid's image side in pixels
    lr: float = 0.05  # Adam learning rate, as in Lucid (the schedule's peak)
    # constant: Lucid's. cosine: a short warm-up to `lr`, then a cosine decay to a tenth of it, which reaches
    # Lucid's 512-step objective in a fraction of the steps (bench/time_to_quality.py).
    lr_schedule: Literal["constant", "cosine"] = "constant"
    # Fourier + decorrelation gives Lucid's smooth, natural colours; laplacian is a pyramid of pixel images.
    param: Literal["fourier", "pixel", "laplacian"] = "fourier"
    decorrelate: bool = True  # optimize in Lucid's decorrelated colour space
    transforms: Literal["standard", "none"] = "standard"  # Lucid's jitter/scale/rotate robustness
    # Lucid's pad and first jitter in px of a 128-px image, scaled to the image (the last jitter is half the first).
    pad: int = 12
    jitter: int = 8
    seed: int = 0  # seeds the initial image and every random transform
    redirect_steps: int = 16  # Lucid redirects the ReLU gradient this many first steps, so dead units wake up
    precision: Literal["fp32", "bf16"] = "fp32"  # bf16 autocast of the network: fast on GPUs, emulated on most CPUs
    # pre_relu: objectives read a layer before its last ReLU where it has one (Lucid's `mixed4a_pre_relu`), so a
    # negative image can go below zero; output: the layer's output as browsed.
    tensor: Literal["pre_relu", "output"] = "pre_relu"
    # The stored image is `size * oversample` px; transforms run at that size and a box filter takes it down to
    # `size` before the network: sharp at display size for small-input networks, same view for the network.
    oversample: int = 1
    # The stored image is `upscale` times the optimized one's side, evaluated from the parameterization on a finer
    # grid (Fourier: the same band-limited image without pixel blocks; at no optimization cost).
    upscale: int = 1

    def __post_init__(self) -> None:
        if self.redirect_steps < 0:
            raise ValueError(f"redirect_steps must be >= 0, got {self.redirect_steps}")
        if self.steps < 1 or self.size < 1:
            raise ValueError(f"steps and size must be positive, got steps={self.steps}, size={self.size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        for name, value in (("oversample", self.oversample), ("upscale", self.upscale)):
            if not 1 <= value <= 8:
                raise ValueError(f"{name} must be 1…8, got {value}")
        if self.pad < 0 or self.jitter < 0:
            raise ValueError(f"pad and jitter must be >= 0, got pad={self.pad}, jitter={self.jitter}")
        for name, value, valid in (
            ("param", self.param, PARAMS),
            ("transforms", self.transforms, TRANSFORMS),
            ("precision", self.precision, PRECISIONS),
            ("lr_schedule", self.lr_schedule, SCHEDULES),
            ("tensor", self.tensor, (PRE_RELU, OUTPUT)),
        ):
            if value not in valid:
                raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")

    @property
    def image_size(self) -> int:
        """The side of the optimized image in pixels."""
        return self.size * self.oversample

    def as_dict(self) -> dict:
        """The settings as a JSON-serializable dict."""
        return dataclasses.asdict(self)


@dataclass
class RenderResult:
    """Rendered images (B,3,H,W in [0,1], CPU), their untransformed objective, loss history and snapshots.

    `images` are as stored (`upscale` times the optimized side); `optimized` as optimized (what `measure` reads).
    """

    images: Tensor
    objective: Tensor
    history: list[float] = field(default_factory=list)
    snapshots: dict[int, Tensor] = field(default_factory=dict)
    optimized: Tensor | None = None


def _parameterize(batch: int, settings: RenderSettings, generator: torch.Generator, device: torch.device) -> ImageParam:
    """The image parameterization the settings name, at the stored image's size."""
    side = settings.image_size
    if settings.param == "fourier":
        return fourier_image(batch, side, decorrelate=settings.decorrelate, generator=generator, device=device)
    if settings.param == "laplacian":
        return laplacian_image(batch, side, decorrelate=settings.decorrelate, generator=generator, device=device)
    return pixel_image(batch, side, decorrelate=settings.decorrelate, generator=generator, device=device)


def _with_alpha(
    params: list[Tensor],
    make_image: Callable[..., Tensor],
    batch: int,
    settings: RenderSettings,
    generator: torch.Generator,
    device: torch.device,
) -> ImageParam:
    """The settings' image with an alpha channel (B, 4, H, W): a Fourier image of its own, starting half opaque."""
    alpha_params, make_alpha = fourier_image(
        batch, settings.image_size, decorrelate=False, channels=1, generator=generator, device=device
    )
    return params + alpha_params, lambda upscale=1: torch.cat([make_image(upscale), make_alpha(upscale)], dim=1)


def _grounds(batch: int, generator: torch.Generator) -> Tensor:
    """A random flat grey per item in GROUNDS, (B, 1, 1, 1), drawn from the render's generator."""
    low, high = GROUNDS
    return torch.rand(batch, 1, 1, 1, generator=generator, device=generator.device) * (high - low) + low


def _over(image: Tensor, ground: Tensor | float) -> Tensor:
    """An RGBA image laid over `ground` (a grey per item, or one for all); an RGB image as it is."""
    if image.shape[1] != RGBA:
        return image
    alpha = image[:, 3:]
    return image[:, :3] * alpha + (1.0 - alpha) * ground


def _transform(settings: RenderSettings) -> Transform:
    """The transform set the settings name, at the stored image's size."""
    if settings.transforms == "none":
        return no_transforms
    return standard_transforms(settings.image_size, settings.pad, settings.jitter)


def _downsample(x: Tensor, settings: RenderSettings) -> Tensor:
    """An oversampled image as the network sees it: a box filter of `oversample` px (identity at 1)."""
    return F.avg_pool2d(x, settings.oversample) if settings.oversample > 1 else x


def learning_rate(settings: RenderSettings, step: int) -> float:
    """The learning rate of a step: constant (Lucid), or linear warm-up then cosine decay to a tenth."""
    if settings.lr_schedule == "constant":
        return settings.lr
    warmup = max(1, round(WARMUP_FRACTION * settings.steps))
    if step < warmup:
        return settings.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, settings.steps - warmup)
    return settings.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def _check_thresholds(thresholds: Sequence[int], steps: int) -> None:
    """ValueError naming thresholds outside 0…steps."""
    bad = [t for t in thresholds if not 0 <= t <= steps]
    if bad:
        raise ValueError(f"thresholds {bad} outside 0…{steps} (the settings' steps)")


Forward = Callable[[Tensor], dict[str, Tensor]]  # network input → {layer: the tensor objectives read}


class Renderer:
    """Renders objectives on one model, many units per optimization (one batch item each).

    The model is prepared once, at the first render (`prepare_for_render`, with an input of that render's
    size): a frozen copy with BatchNorm folded into convolutions, on the device, channels-last (10–15 % faster
    on a 2-core CPU for GoogLeNet, ResNet-20 and the demo net; the usual layout for GPU tensor cores). The copy is
    then traced (`truncate.trace_layers`): each render runs a graph cut after the deepest layer its objective reads,
    reading pre-activations where the settings ask for them and the layer has one. A model that cannot be traced
    is run with forward hooks that stop it after the deepest layer, and read at its outputs. `layers` names every
    layer objectives will read. With `compile`, the cut graphs go through `torch.compile` (CUDA graphs on a GPU).
    The model passed in is never modified.
    """

    def __init__(
        self,
        model: nn.Module,
        preprocess: Callable[[Tensor], Tensor],
        *,
        device: torch.device | str = "cpu",
        layers: Iterable[str],
        channels_last: bool = True,
        compile: bool = False,  # noqa: A002 - torch.compile's name
    ) -> None:
        self.device = torch.device(device)
        self.channels_last = channels_last
        self.preprocess = preprocess
        self.compile = compile
        self.layers = tuple(dict.fromkeys(layers))
        if not self.layers:
            raise ValueError("Renderer needs the layers objectives will read (layers=[...])")
        self._model = model
        self._prepared: nn.Module | None = None
        self._traced: TracedLayers | None = None
        self._graphs: dict[tuple, nn.Module] = {}
        self.folded: list[str] = []  # convolutions BatchNorm was folded into, known after the first render

    def _module(self, size: int) -> nn.Module:
        """The prepared copy of the model, made on first use with a grey image of `size` as example input."""
        if self._prepared is None:
            example = self._input(torch.full((1, 3, size, size), 0.5, device=self.device))
            self._prepared, self.folded = prepare_for_render(
                self._model, self.device, example, layers=self.layers, channels_last=self.channels_last
            )
            self._traced = trace_layers(self._prepared, self.layers, example)
        return self._prepared

    @property
    def traced(self) -> bool:
        """Whether the model could be traced (known after the first render or `reads`)."""
        return self._traced is not None

    def reads(self, layer: str, settings: RenderSettings) -> str:
        """What objectives on `layer` optimize under these settings: `pre_relu` or `output`."""
        self._module(settings.size)
        if self._traced is None:
            return OUTPUT
        return self._traced.reads(layer, settings.tensor)

    def _input(self, x01: Tensor) -> Tensor:
        x = self.preprocess(x01)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _forward(self, layers: Iterable[str], settings: RenderSettings, *, redirect: bool) -> Forward:
        """input → {layer: tensor} for `layers` as the settings read them, cut after the deepest."""
        module = self._module(settings.size)
        names = sorted(layers)
        if self._traced is None:
            return self._hooked(module, names, redirect)
        entries = tuple((name, self._traced.reads(name, settings.tensor)) for name in names)
        graph = self._graph(entries, redirect=redirect, compiled=self.compile)
        return lambda x: dict(zip(names, graph(x), strict=True))

    def _graph(self, entries: tuple[tuple[str, str], ...], *, redirect: bool, compiled: bool) -> nn.Module:
        """The cut graph computing `entries`, made once (and compiled once when asked)."""
        assert self._traced is not None
        key = (entries, redirect, compiled)
        if key not in self._graphs:
            graph = self._traced.forward(entries, redirect=redirect, compilable=compiled)
            self._graphs[key] = torch.compile(graph, dynamic=False, mode=self._compile_mode()) if compiled else graph
        return self._graphs[key]

    def _compile_mode(self) -> str | None:
        return "reduce-overhead" if self.device.type == "cuda" else None  # CUDA graphs on a GPU

    @staticmethod
    def _hooked(module: nn.Module, names: list[str], redirect: bool) -> Forward:
        """The fallback for untraceable models: hooks stop the forward after the deepest layer."""

        def run(x: Tensor) -> dict[str, Tensor]:
            with LayerTap(module, names) as tap, redirected_relu() if redirect else nullcontext():
                return tap.run(x)

        return run

    def render(
        self,
        objective: Objective,
        batch: int,
        settings: RenderSettings,
        *,
        thresholds: Sequence[int] = (),
        progress: Callable[[int], None] | None = None,
        transparency: float = 0.0,
    ) -> RenderResult:
        """Optimize `batch` images so `objective` is high; snapshots[t] is the image after t steps.

        With `transparency` > 0 the image gets an alpha channel (Lucid's transparent neurons, Mordvintsev et al. 2018,
        "Differentiable Image Parameterizations"): each step it is laid over a random flat grey, and every item's
        objective pays `transparency` times its own size (|score|, not differentiated) times its mean alpha. What
        the unit needs stays opaque; the rest fades to the ground, so one instance of the feature stands alone.
        Stored, measured and snapshot images are laid over mid-grey.
        """
        if transparency < 0:
            raise ValueError(f"transparency must be >= 0, got {transparency}")
        _check_thresholds(thresholds, settings.steps)
        unknown = sorted(objective.layers - set(self.layers))
        if unknown:
            raise ValueError(
                f"objective reads {', '.join(unknown)}, not among the Renderer's layers "
                f"({', '.join(self.layers)}); create the Renderer with layers=[...] including it"
            )
        # A CPU generator makes the start image and transforms identical on every device for a given seed.
        generator = torch.Generator().manual_seed(settings.seed)
        params, make_image = _parameterize(batch, settings, generator, self.device)
        if transparency:
            params, make_image = _with_alpha(params, make_image, batch, settings, generator, self.device)
        transform = _transform(settings)
        optimizer = torch.optim.Adam(params, lr=settings.lr)
        redirected = self._forward(objective.layers, settings, redirect=True) if settings.redirect_steps else None
        plain = self._forward(objective.layers, settings, redirect=False)
        losses: list[Tensor] = []
        snapshots: dict[int, Tensor] = {}
        for step in range(settings.steps):
            image = make_image()
            if step in thresholds:
                snapshots[step] = _over(image, GROUND).detach().cpu()
            forward = redirected if step < settings.redirect_steps else plain
            seen = _over(image, _grounds(batch, generator).to(self.device)) if transparency else image
            scores = self._score(forward, objective, _downsample(transform(seen, generator), settings), settings)
            if transparency:
                scores = scores - transparency * scores.detach().abs() * image[:, 3:].mean(dim=(1, 2, 3))
            loss = -scores.sum()
            # autograd.grad reaches only the image parameters: the model's weights are frozen.
            grads = torch.autograd.grad(loss, params)
            for param, grad in zip(params, grads, strict=True):
                param.grad = grad
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(settings, step)
            optimizer.step()
            losses.append(loss.detach() / batch)  # stacked once at the end: no device sync per step
            if progress is not None:
                progress(step + 1)
        with torch.no_grad():
            final = _over(make_image(), GROUND)
            scores = self._score(plain, objective, _downsample(final, settings), settings)
            stored = _over(make_image(settings.upscale), GROUND) if settings.upscale > 1 else final
        if settings.steps in thresholds:
            snapshots[settings.steps] = final.cpu()
        history = torch.stack(losses).cpu().tolist()
        snaps = dict(sorted(snapshots.items()))
        return RenderResult(stored.cpu(), scores.detach().cpu(), history, snaps, optimized=final.cpu())

    def measure(
        self, layer: str, images: Tensor, settings: RenderSettings, *, statistic: str = "peak"
    ) -> tuple[Tensor, Tensor | None]:
        """Per-unit peaks (B, C) over positions of `layer` (means with statistic="mean"): its output, and its
        pre-activation where objectives read one under these settings (None otherwise). Images are
        `RenderResult.optimized` (the optimized size)."""
        module = self._module(settings.size)
        pre = self.reads(layer, settings) == PRE_RELU
        x = self._input(_downsample(images.to(self.device), settings))
        with torch.no_grad():
            if self._traced is None:
                values = [self._hooked(module, [layer], False)(x)[layer]]
            else:
                entries = ((layer, OUTPUT), *(((layer, PRE_RELU),) if pre else ()))
                values = list(self._graph(entries, redirect=False, compiled=False)(x))
        reduce = {"peak": torch.amax, "mean": torch.mean}[statistic]
        peaks = [reduce(value.float().flatten(2), 2) if value.dim() > 2 else value.float() for value in values]
        return peaks[0].cpu(), peaks[1].cpu() if pre else None

    def _score(self, forward: Forward, objective: Objective, x01: Tensor, settings: RenderSettings) -> Tensor:
        """The objective's per-item fp32 scores for images in [0, 1]; ValueError unless one score per item."""
        x = self._input(x01)
        dtype = PRECISIONS[settings.precision]
        with torch.autocast(self.device.type, dtype=dtype) if dtype is not None else nullcontext():
            acts = forward(x)
        scores = objective({name: act.float() for name, act in acts.items()})
        if scores.shape != (x01.shape[0],):
            raise ValueError(
                f"objective {objective.description} gave shape {tuple(scores.shape)}, expected ({x01.shape[0]},)"
            )
        return scores


def render(
    model: nn.Module,
    preprocess: Callable[[Tensor], Tensor],
    objective: Objective,
    batch: int,
    settings: RenderSettings,
    *,
    device: torch.device | str = "cpu",
    thresholds: Sequence[int] = (),
    progress: Callable[[int], None] | None = None,
) -> RenderResult:
    """One render on a model prepared for it: `Renderer(model, …).render(objective, …)`."""
    renderer = Renderer(model, preprocess, device=device, layers=objective.layers)
    return renderer.render(objective, batch, settings, thresholds=thresholds, progress=progress)


def render_units(
    model: nn.Module,
    preprocess: Callable[[Tensor], Tensor],
    layer: str,
    units: Sequence[int],
    settings: RenderSettings,
    *,
    device: torch.device | str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> RenderResult:
    """Channel visualizations of `units` of `layer`, one batch item per unit."""
    return render(model, preprocess, channel(layer, units), len(units), settings, device=device, progress=progress)
