"""The render loop: optimize a batch of images to maximize an objective. It only optimizes and returns tensors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor, nn

from precompute.hooks import LayerTap
from precompute.optvis.objectives import Objective, channel
from precompute.optvis.params import ImageParam, fourier_image, laplacian_image, pixel_image
from precompute.optvis.prepare import prepare_for_render
from precompute.optvis.redirect import redirected_relu
from precompute.optvis.transforms import Transform, no_transforms, standard_transforms

PARAMS = ("fourier", "pixel", "laplacian")
TRANSFORMS = ("standard", "none")
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}  # the model's forward under autocast to this dtype


def auto_precision(device: torch.device | str) -> str:
    """The precision to render with when none is asked for: bf16 on CUDA, fp32 elsewhere (emulated bf16 is slow)."""
    return "bf16" if torch.device(device).type == "cuda" else "fp32"


@dataclass(frozen=True)
class RenderSettings:
    """How an image is rendered; stored with every image so it can be reproduced."""

    steps: int = 512  # Lucid's step count for its standard channel visualizations
    size: int = 128  # Lucid's image side in pixels
    lr: float = 0.05  # Adam learning rate, as in Lucid
    # Fourier + decorrelation gives Lucid's smooth, natural colours; laplacian is a pyramid of pixel images.
    param: Literal["fourier", "pixel", "laplacian"] = "fourier"
    decorrelate: bool = True  # optimize in Lucid's decorrelated colour space
    transforms: Literal["standard", "none"] = "standard"  # Lucid's jitter/scale/rotate robustness
    seed: int = 0  # seeds the initial image and every random transform
    redirect_steps: int = 16  # Lucid redirects the ReLU gradient this many first steps, so dead units wake up
    precision: Literal["fp32", "bf16"] = "fp32"  # bf16 autocast of the network: fast on GPUs, emulated on most CPUs

    def __post_init__(self) -> None:
        if self.redirect_steps < 0:
            raise ValueError(f"redirect_steps must be >= 0, got {self.redirect_steps}")
        if self.steps < 1 or self.size < 1:
            raise ValueError(f"steps and size must be positive, got steps={self.steps}, size={self.size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.param not in PARAMS:
            raise ValueError(f"unknown param {self.param!r}; valid: {', '.join(PARAMS)}")
        if self.transforms not in TRANSFORMS:
            raise ValueError(f"unknown transforms {self.transforms!r}; valid: {', '.join(TRANSFORMS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; valid: {', '.join(PRECISIONS)}")

    def as_dict(self) -> dict:
        """The settings as a JSON-serializable dict."""
        return dataclasses.asdict(self)


@dataclass
class RenderResult:
    """Rendered images (B,3,H,W in [0,1], CPU), their untransformed objective, loss history and snapshots."""

    images: Tensor
    objective: Tensor
    history: list[float] = field(default_factory=list)
    snapshots: dict[int, Tensor] = field(default_factory=dict)


def _parameterize(batch: int, settings: RenderSettings, generator: torch.Generator, device: torch.device) -> ImageParam:
    """The image parameterization the settings name."""
    if settings.param == "fourier":
        return fourier_image(batch, settings.size, decorrelate=settings.decorrelate, generator=generator, device=device)
    if settings.param == "laplacian":
        return laplacian_image(
            batch, settings.size, decorrelate=settings.decorrelate, generator=generator, device=device
        )
    return pixel_image(batch, settings.size, decorrelate=settings.decorrelate, generator=generator, device=device)


def _transform(settings: RenderSettings) -> Transform:
    """The transform set the settings name."""
    return standard_transforms(settings.size) if settings.transforms == "standard" else no_transforms


def _check_thresholds(thresholds: Sequence[int], steps: int) -> None:
    """ValueError naming thresholds outside 0…steps."""
    bad = [t for t in thresholds if not 0 <= t <= steps]
    if bad:
        raise ValueError(f"thresholds {bad} outside 0…{steps} (the settings' steps)")


class Renderer:
    """Renders objectives on one model, many units per optimization (one batch item each).

    The model is prepared once, at the first render (`prepare_for_render`, with an input of that render's
    size): a frozen copy with BatchNorm folded into convolutions, on the device, channels-last (10–15 % faster
    on a 2-core CPU for GoogLeNet, ResNet-20 and the demo net; the usual layout for GPU tensor cores). Hooks
    are registered per render and removed after it; the model passed in is never modified. `layers` names
    every layer objectives will read: the copy's outputs there are exactly the model's.
    """

    def __init__(
        self,
        model: nn.Module,
        preprocess: Callable[[Tensor], Tensor],
        *,
        device: torch.device | str = "cpu",
        layers: Iterable[str],
        channels_last: bool = True,
    ) -> None:
        self.device = torch.device(device)
        self.channels_last = channels_last
        self.preprocess = preprocess
        self.layers = tuple(dict.fromkeys(layers))
        if not self.layers:
            raise ValueError("Renderer needs the layers objectives will read (layers=[...])")
        self._model = model
        self._prepared: nn.Module | None = None
        self.folded: list[str] = []  # convolutions BatchNorm was folded into, known after the first render

    def _module(self, size: int) -> nn.Module:
        """The prepared copy of the model, made on first use with a grey image of `size` as example input."""
        if self._prepared is None:
            example = self.preprocess(torch.full((1, 3, size, size), 0.5, device=self.device))
            self._prepared, self.folded = prepare_for_render(
                self._model, self.device, example, layers=self.layers, channels_last=self.channels_last
            )
        return self._prepared

    def render(
        self,
        objective: Objective,
        batch: int,
        settings: RenderSettings,
        *,
        thresholds: Sequence[int] = (),
        progress: Callable[[int], None] | None = None,
    ) -> RenderResult:
        """Optimize `batch` images so `objective` is high; snapshots[t] is the image after t steps."""
        _check_thresholds(thresholds, settings.steps)
        unknown = sorted(objective.layers - set(self.layers))
        if unknown:
            raise ValueError(
                f"objective reads {', '.join(unknown)}, not among the Renderer's layers "
                f"({', '.join(self.layers)}); create the Renderer with layers=[...] including it"
            )
        module = self._module(settings.size)
        # A CPU generator makes the start image and transforms identical on every device for a given seed.
        generator = torch.Generator().manual_seed(settings.seed)
        params, make_image = _parameterize(batch, settings, generator, self.device)
        transform = _transform(settings)
        optimizer = torch.optim.Adam(params, lr=settings.lr)
        losses: list[Tensor] = []
        snapshots: dict[int, Tensor] = {}
        with LayerTap(module, sorted(objective.layers)) as tap:
            for step in range(settings.steps):
                image = make_image()
                if step in thresholds:
                    snapshots[step] = image.detach().cpu()
                with redirected_relu() if step < settings.redirect_steps else nullcontext():
                    loss = -self._score(tap, objective, transform(image, generator), settings).sum()
                # autograd.grad reaches only the image parameters: the model's weights are frozen.
                grads = torch.autograd.grad(loss, params)
                for param, grad in zip(params, grads, strict=True):
                    param.grad = grad
                optimizer.step()
                losses.append(loss.detach() / batch)  # stacked once at the end: no device sync per step
                if progress is not None:
                    progress(step + 1)
            with torch.no_grad():
                final = make_image()
                scores = self._score(tap, objective, final, settings)
        if settings.steps in thresholds:
            snapshots[settings.steps] = final.cpu()
        history = torch.stack(losses).cpu().tolist()
        return RenderResult(final.cpu(), scores.detach().cpu(), history, dict(sorted(snapshots.items())))

    def _score(self, tap: LayerTap, objective: Objective, x01: Tensor, settings: RenderSettings) -> Tensor:
        """The objective's per-item fp32 scores for images in [0, 1]; ValueError unless one score per item."""
        x = self.preprocess(x01)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        dtype = PRECISIONS[settings.precision]
        with torch.autocast(self.device.type, dtype=dtype) if dtype is not None else nullcontext():
            acts = tap.run(x)
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
