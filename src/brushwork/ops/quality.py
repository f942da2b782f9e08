"""Image quality measures of the super-resolution literature: PSNR and SSIM (Wang et al.,
"Image Quality Assessment: From Error Visibility to Structural Similarity", 2004) on the
luminance channel Y of ITU-R BT.601 (as MATLAB's ``rgb2ycbcr``), after cropping ``border``
pixels from each edge (the usual protocol: the scale factor).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from brushwork.errors import OptionError

#: BT.601 luma of [0, 1] RGB, in 0-255 with the studio range 16..235 (MATLAB's rgb2ycbcr)
_Y = (65.481, 128.553, 24.966)


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) RGB in [0, 1] -> (B, 1, H, W) BT.601 luma Y in 16..235.

    Example:
        >>> rgb_to_y(torch.ones(1, 3, 1, 1)).item(), rgb_to_y(torch.zeros(1, 3, 1, 1)).item()
        (235.0, 16.0)
    """
    w = torch.tensor(_Y, dtype=torch.float64, device=x.device).view(1, 3, 1, 1)
    return (16.0 + (x.double() * w).sum(1, keepdim=True)).to(x.dtype)


def _pair(a: torch.Tensor, b: torch.Tensor, border: int) -> tuple[torch.Tensor, torch.Tensor]:
    if a.shape != b.shape or a.dim() != 4 or a.shape[1] != 3:
        raise OptionError(
            f"expected two (B, 3, H, W) images of one shape, got {a.shape}, {b.shape}"
        )
    if border:
        a, b = a[..., border:-border, border:-border], b[..., border:-border, border:-border]
    if min(a.shape[-2:]) < 1:
        raise OptionError("nothing left after cropping the border")
    return rgb_to_y(a.double().clamp(0, 1)), rgb_to_y(b.double().clamp(0, 1))


def psnr_y(a: torch.Tensor, b: torch.Tensor, border: int = 0) -> float:
    """PSNR in dB on Y (peak 255) of two (1, 3, H, W) images in [0, 1]; ``inf`` if equal.

    Example:
        >>> a = torch.zeros(1, 3, 4, 4); b = a.clone(); b[..., 0, 0] = 1.0  # one pixel 219 off
        >>> round(psnr_y(a, b), 3)  # 10 log10(255^2 / (219^2 / 16))
        13.363
    """
    ya, yb = _pair(a, b, border)
    mse = float((ya - yb).pow(2).mean())
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def ssim_y(a: torch.Tensor, b: torch.Tensor, border: int = 0) -> float:
    """Mean SSIM on Y of two (1, 3, H, W) images in [0, 1]: an 11x11 Gaussian window of
    sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, over the valid positions (Wang et al., 2004)."""
    ya, yb = _pair(a, b, border)
    if min(ya.shape[-2:]) < 11:
        raise OptionError("SSIM needs at least 11x11 pixels")
    t = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(t**2) / (2 * 1.5**2))
    g = g / g.sum()
    win = (g[:, None] * g[None, :]).view(1, 1, 11, 11)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, win)

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = blur(ya), blur(yb)
    var_a = blur(ya * ya) - mu_a**2
    var_b = blur(yb * yb) - mu_b**2
    cov = blur(ya * yb) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(s.mean())


def grid_pattern(x: torch.Tensor, period: int = 8) -> float:
    """How strongly ``x`` (B, 3, H, W) in [0, 1] repeats a pattern locked to the pixel grid with
    the given period: the standard deviation (luma, 0-255 units) of the mean ``period`` x
    ``period`` cell, averaging every cell of the picture. Natural pictures average to a flat
    cell (about 0.1-0.5); a net whose upsampling leaves a grid (the hatching of a short training,
    a deconvolution's checkerboard) shows it here (several units). Periods 2 and 4 are covered by 8.

    Example:
        >>> stripes = torch.zeros(1, 3, 16, 16); stripes[..., ::2] = 1.0
        >>> round(grid_pattern(stripes), 1)  # half the 219-unit luma range
        109.5
    """
    if x.dim() != 4 or x.shape[1] != 3:
        raise OptionError(f"grid_pattern: expected (B, 3, H, W), got {tuple(x.shape)}")
    if min(x.shape[-2:]) < period:
        raise OptionError(f"grid_pattern: the picture is smaller than one {period}px cell")
    cells = grid_cells(rgb_to_y(x.double()), period)  # (B, 1, H/p, p, W/p, p)
    return float(cells.mean(dim=(2, 4)).std(dim=(-2, -1), unbiased=False).mean())


def grid_cells(x: torch.Tensor, period: int) -> torch.Tensor:
    """``x`` (B, C, H, W) cropped to whole ``period`` x ``period`` cells and cut into them:
    (B, C, H // period, period, W // period, period); the mean over dims 2 and 4 is the pattern
    the cells share (:func:`grid_pattern`, :func:`brushwork.losses.grid.grid_loss`).

    Example:
        >>> grid_cells(torch.zeros(1, 3, 10, 17), 4).shape
        torch.Size([1, 3, 2, 4, 4, 4])
    """
    b, c, h, w = x.shape
    h, w = h - h % period, w - w % period
    return x[..., :h, :w].reshape(b, c, h // period, period, w // period, period)


def fine_detail(x: torch.Tensor, period: float = 8.0) -> float:
    """Share of the luma's spectral power (mean removed) at periods shorter than ``period`` pixels
    along either axis: fine texture, noise, hatching. A photo at 512 px has about 0.02-0.1.

    Example:
        >>> stripes = torch.zeros(1, 3, 16, 16); stripes[..., ::2] = 1.0
        >>> fine_detail(stripes)  # every bit of power at period 2
        1.0
    """
    if x.dim() != 4 or x.shape[1] != 3:
        raise OptionError(f"fine_detail: expected (B, 3, H, W), got {tuple(x.shape)}")
    y = rgb_to_y(x.double())[:, 0]
    y = y - y.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(y).abs().pow(2)
    fy = torch.fft.fftfreq(y.shape[-2], dtype=torch.float64).abs().view(-1, 1)
    fx = torch.fft.fftfreq(y.shape[-1], dtype=torch.float64).abs().view(1, -1)
    fine = (torch.maximum(fy, fx) > 1.0 / period).to(power.dtype)
    total = power.sum(dim=(-2, -1)).clamp_min(1e-12)
    return round(float(((power * fine).sum(dim=(-2, -1)) / total).mean()), 6)
