"""The degradation that makes low-resolution training and test inputs for super-resolution
(Johnson et al., 2016, section 4.2): a Gaussian blur of standard deviation ``sigma`` (1.0 px in
the paper), then bicubic downscaling by ``scale``, antialiased as Pillow's
``Image.resize(..., BICUBIC)`` and MATLAB's ``imresize`` do (Keys' cubic, a = -0.5, its support
stretched by the scale).

``degrade(hr, scale)`` needs H and W divisible by ``scale``; :func:`crop_to_multiple` trims an
image to that first, as the usual Set5/Set14/BSD100 protocol does.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from brushwork.errors import OptionError

#: The blur of Johnson et al.'s low-resolution inputs (pixels of the high-resolution image).
SIGMA = 1.0


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """1-D normalised Gaussian of standard deviation ``sigma``, radius ``ceil(3 sigma)``.

    Example:
        >>> k = gaussian_kernel(1.0)
        >>> len(k), round(float(k.sum()), 6), round(float(k[3] / k[2]), 4)  # exp(1/2)
        (7, 1.0, 1.6487)
    """
    if not sigma > 0:
        raise OptionError(f"blur sigma must be > 0, got {sigma}")
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    return k / k.sum()


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (B, C, H, W), the border reflected."""
    k = gaussian_kernel(sigma).to(x)
    r, c = len(k) // 2, x.shape[1]
    if min(x.shape[-2:]) <= r:
        x = F.pad(x, (r, r, r, r), mode="replicate")
        crop = r
    else:
        x = F.pad(x, (r, r, r, r), mode="reflect")
        crop = 0
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    x = F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    if crop:
        x = x[..., crop:-crop, crop:-crop]
    return x


def crop_to_multiple(x: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, C, H, W) trimmed at the bottom and right to multiples of ``scale``."""
    h, w = x.shape[-2:]
    return x[..., : h - h % scale, : w - w % scale]


def degrade(hr: torch.Tensor, scale: int, sigma: float = SIGMA) -> torch.Tensor:
    """Low-resolution input for ``hr`` (B, 3, H, W) in [0, 1]: blur, then bicubic 1/scale.

    Example:
        >>> degrade(torch.rand(1, 3, 32, 48), 4).shape
        torch.Size([1, 3, 8, 12])
    """
    h, w = hr.shape[-2:]
    if h % scale or w % scale:
        raise OptionError(f"{w}x{h} is not divisible by the scale {scale}; crop_to_multiple first")
    if h < scale or w < scale:
        raise OptionError(f"{w}x{h} is smaller than the scale {scale}")
    with torch.autocast(hr.device.type, enabled=False):  # data, not a net: float32 always
        x = gaussian_blur(hr.float(), sigma) if sigma > 0 else hr.float()
        out = F.interpolate(
            x, size=(h // scale, w // scale), mode="bicubic", align_corners=False, antialias=True
        )
    return out.clamp(0, 1)
