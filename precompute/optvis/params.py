"""Image parameterizations: leaf tensors to optimize and a function turning them into RGB images in [0, 1]."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

ImageParam = tuple[list[Tensor], Callable[[], Tensor]]

# Lucid's colour correlation (square root of the ImageNet colour covariance, from its SVD).
_COLOR_CORRELATION_SVD_SQRT = torch.tensor(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=torch.float32
)


def _color_matrix(device: torch.device | str) -> Tensor:
    """The decorrelation matrix normalized by its largest column norm (Lucid's normalization)."""
    max_norm = _COLOR_CORRELATION_SVD_SQRT.norm(dim=0).max()
    return (_COLOR_CORRELATION_SVD_SQRT / max_norm).to(device)


def to_valid_rgb(x: Tensor, color: Tensor | None) -> Tensor:
    """Map an unconstrained Bx3xHxW tensor to RGB in [0, 1]: colour matrix (if any), then sigmoid."""
    if color is not None:
        # Optimizing in a decorrelated colour space keeps early steps from drifting into a single hue.
        x = torch.einsum("dc,bchw->bdhw", color, x)
    return torch.sigmoid(x)


def _randn(shape: tuple[int, ...], sd: float, generator: torch.Generator, device: torch.device | str) -> Tensor:
    """A leaf tensor of N(0, sd²) drawn on the generator's device, so a CPU seed gives the same start anywhere."""
    values = torch.randn(shape, generator=generator, device=generator.device) * sd
    return values.to(device).requires_grad_(True)


def _spectrum_scale(height: int, width: int, decay_power: float, device: torch.device | str) -> Tensor:
    """Per-frequency amplitude 1/max(f, 1/max(h, w))**decay_power for an rfft2 spectrum of an HxW image."""
    fy = torch.fft.fftfreq(height)[:, None]
    fx = torch.fft.rfftfreq(width)[None, :]
    freqs = torch.sqrt(fx * fx + fy * fy)
    # The floor keeps the DC term finite; the decay makes the image start smooth (roughly 1/f like photos).
    return (1.0 / torch.clamp(freqs, min=1.0 / max(height, width)) ** decay_power).to(device)


def fourier_image(
    batch: int,
    size: int,
    *,
    sd: float = 0.01,
    decay_power: float = 1.0,
    decorrelate: bool = True,
    generator: torch.Generator,
    device: torch.device | str,
) -> ImageParam:
    """Lucid's Fourier parameterization: a scaled random spectrum per image, inverse FFT, /4, colour, sigmoid."""
    _check_shape(batch, size)
    freq_shape = (batch, 3, size, size // 2 + 1, 2)  # last axis: real and imaginary parts
    spectrum = _randn(freq_shape, sd, generator, device)
    scale = _spectrum_scale(size, size, decay_power, device)
    color = _color_matrix(device) if decorrelate else None

    def image() -> Tensor:
        coefficients = torch.view_as_complex(spectrum) * scale
        # Lucid multiplies by sqrt(h*w) after TensorFlow's unnormalized inverse FFT: that is norm="ortho".
        pixels = torch.fft.irfft2(coefficients, s=(size, size), norm="ortho")
        return to_valid_rgb(pixels / 4.0, color)

    return [spectrum], image


def pixel_image(
    batch: int,
    size: int,
    *,
    sd: float = 0.01,
    decorrelate: bool = True,
    generator: torch.Generator,
    device: torch.device | str,
) -> ImageParam:
    """One free value per pixel and channel, mapped through the same colour decorrelation and sigmoid."""
    _check_shape(batch, size)
    pixels = _randn((batch, 3, size, size), sd, generator, device)
    color = _color_matrix(device) if decorrelate else None
    return [pixels], lambda: to_valid_rgb(pixels, color)


def laplacian_image(
    batch: int,
    size: int,
    *,
    levels: int = 4,
    sd: float = 0.01,
    decorrelate: bool = True,
    generator: torch.Generator,
    device: torch.device | str,
) -> ImageParam:
    """A Laplacian pyramid: `levels` free tensors at size, size/2, size/4, …, each upsampled and summed.

    Coarse levels move large regions at once, so images stay smooth and low-frequency structure forms early,
    like the Fourier parameterization but without its global support; the finest level is a plain pixel image.
    """
    _check_shape(batch, size)
    if levels < 1:
        raise ValueError(f"levels must be positive, got {levels}")
    sides = [max(1, size >> level) for level in range(levels)]
    tensors = [_randn((batch, 3, side, side), sd, generator, device) for side in sides]
    color = _color_matrix(device) if decorrelate else None

    def image() -> Tensor:
        pixels = tensors[0]
        for coarse in tensors[1:]:
            pixels = pixels + F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
        return to_valid_rgb(pixels, color)

    return tensors, image


def _check_shape(batch: int, size: int) -> None:
    """ValueError unless batch and size are positive."""
    if batch < 1 or size < 1:
        raise ValueError(f"batch and size must be positive, got batch={batch}, size={size}")
