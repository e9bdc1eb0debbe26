"""Image parameterizations: leaf tensors to optimize and a function turning them into RGB images in [0, 1]."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

# The tensors to optimize, and the image they make: `image()` at the optimized size, `image(k)` k times larger (a
# Fourier image is evaluated on a finer grid, band-limited: the same image without pixel blocks; others are
# interpolated bicubically).
ImageParam = tuple[list[Tensor], Callable[..., Tensor]]

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
    channels: int = 3,
    generator: torch.Generator,
    device: torch.device | str,
) -> ImageParam:
    """Lucid's Fourier parameterization: a scaled random spectrum per image, inverse FFT, /4, colour, sigmoid.
    `channels`: 3 for RGB, 1 for an alpha channel (which has no colours to decorrelate)."""
    _check_shape(batch, size)
    if decorrelate and channels != 3:
        raise ValueError(f"colour decorrelation needs 3 channels, got {channels}")
    freq_shape = (batch, channels, size, size // 2 + 1, 2)  # last axis: real and imaginary parts
    spectrum = _randn(freq_shape, sd, generator, device)
    scale = _spectrum_scale(size, size, decay_power, device)
    color = _color_matrix(device) if decorrelate else None

    def image(upscale: int = 1) -> Tensor:
        coefficients = torch.view_as_complex(spectrum) * scale
        if upscale > 1:
            return to_valid_rgb(_finer_grid(coefficients, size, size * upscale) / 4.0, color)
        # Lucid multiplies by sqrt(h*w) after TensorFlow's unnormalized inverse FFT: that is norm="ortho".
        pixels = torch.fft.irfft2(coefficients, s=(size, size), norm="ortho")
        return to_valid_rgb(pixels / 4.0, color)

    return [spectrum], image


def _finer_grid(coefficients: Tensor, size: int, side: int) -> Tensor:
    """The inverse FFT of a `size`² image's rfft2 spectrum on a `side`² grid: the same band-limited image, sampled
    more finely (the spectrum zero-padded between its positive and negative frequencies, amplitude kept).

    The fine pixels are centred on the coarse ones (each coarse pixel becomes the k×k fine pixels around its
    centre), so a k×k box filter gives back the coarse image up to the box's slight blur.
    """
    upscale = side / size
    shift = (upscale - 1) / (2 * upscale)  # coarse pixels the fine grid's first sample sits before the coarse one
    fy = torch.fft.fftfreq(size, device=coefficients.device)[:, None]
    fx = torch.fft.rfftfreq(size, device=coefficients.device)[None, :]
    coefficients = coefficients * torch.exp(-2j * torch.pi * (fy + fx) * shift)
    positive = (size + 1) // 2  # rows 0 … positive-1 are the non-negative frequencies, the rest negative
    padded = coefficients.new_zeros((*coefficients.shape[:-2], side, side // 2 + 1))
    padded[..., :positive, : size // 2 + 1] = coefficients[..., :positive, :]
    padded[..., side - (size - positive) :, : size // 2 + 1] = coefficients[..., positive:, :]
    if size % 2 == 0:  # the Nyquist column stood for itself alone; on the finer grid it is two conjugate halves
        padded[..., size // 2] /= 2
    return torch.fft.irfft2(padded, s=(side, side), norm="ortho") * (side / size)


def _bicubic(make: Callable[[], Tensor]) -> Callable[..., Tensor]:
    """`make`'s image, optionally `upscale` times larger by bicubic interpolation (kept in [0, 1])."""

    def image(upscale: int = 1) -> Tensor:
        pixels = make()
        if upscale == 1:
            return pixels
        return F.interpolate(pixels, scale_factor=upscale, mode="bicubic", align_corners=False).clamp(0, 1)

    return image


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
    return [pixels], _bicubic(lambda: to_valid_rgb(pixels, color))


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

    return tensors, _bicubic(image)


def _check_shape(batch: int, size: int) -> None:
    """ValueError unless batch and size are positive."""
    if batch < 1 or size < 1:
        raise ValueError(f"batch and size must be positive, got batch={batch}, size={size}")
