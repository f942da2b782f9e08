"""Colour preservation for style transfer (Gatys, Bethge, Hertzmann and Shechtman,
"Preserving Color in Neural Artistic Style Transfer", 2016; and "Controlling Perceptual Factors
in Neural Style Transfer", 2017, section 5).

Two modes, shared by every method:

* ``luminance``: transfer on luminance only, then put the content's chrominance back
  (YIQ space); the style's luminance is first matched to the content's mean and spread.
* ``histogram``: recolour the style image so its RGB mean and covariance equal the content's
  (a linear map ``x -> A (x - mu_s) + mu_c`` with ``A = Sigma_c^1/2 Sigma_s^-1/2``), then transfer
  as usual.

All tensors are (B, 3, H, W) RGB in [0, 1].
"""

from __future__ import annotations

import torch

from brushwork.errors import unknown_choice

MODES = ("luminance", "histogram")

# NTSC YIQ (FCC 1953 coefficients).
_RGB_TO_YIQ = torch.tensor(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ],
    dtype=torch.float64,
)
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def check_mode(mode: str | None) -> str | None:
    """Validate a ``preserve_color`` value (None, "luminance" or "histogram")."""
    if mode is None or mode in MODES:
        return mode
    raise unknown_choice("colour-preservation mode", mode, MODES)


def _apply(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,bjhw->bihw", matrix.to(x.dtype).to(x.device), x)


def rgb_to_yiq(x: torch.Tensor) -> torch.Tensor:
    """RGB -> YIQ; Y is luminance in [0, 1]."""
    return _apply(_RGB_TO_YIQ, x)


def yiq_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """YIQ -> RGB (not clamped)."""
    return _apply(_YIQ_TO_RGB, x)


def luminance(x: torch.Tensor) -> torch.Tensor:
    """Luminance Y as (B, 1, H, W)."""
    return rgb_to_yiq(x)[:, :1]


def grey(x: torch.Tensor) -> torch.Tensor:
    """Luminance repeated to 3 channels, the input of a luminance-only transfer."""
    return luminance(x).expand(-1, 3, -1, -1).contiguous()


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Grey version of ``style`` whose luminance has the content's mean and standard deviation."""
    ls, lc = luminance(style), luminance(content)
    std_s = ls.std().clamp_min(1e-6)
    matched = (ls - ls.mean()) * (lc.std() / std_s) + lc.mean()
    return matched.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()


def combine_luminance(stylised: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Luminance of ``stylised`` with the chrominance (I, Q) of ``content``, clamped to [0, 1]."""
    yiq = rgb_to_yiq(content)
    y = luminance(stylised)
    if y.shape[-2:] != yiq.shape[-2:]:
        raise ValueError("combine_luminance: images differ in size")
    return yiq_to_rgb(torch.cat([y, yiq[:, 1:]], dim=1)).clamp(0, 1)


def _sqrtm(cov: torch.Tensor, power: float) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(cov)
    vals = vals.clamp_min(1e-5) ** power
    out: torch.Tensor = vecs @ torch.diag(vals) @ vecs.T
    return out


def match_color(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Recolour ``source`` so its RGB mean and covariance equal those of ``target``.

    Args:
        source: the image to recolour (the style), (1, 3, H, W).
        target: the image whose colours to take (the content), (1, 3, H', W').

    Returns:
        ``source`` recoloured, clamped to [0, 1].
    """
    s = source.double().reshape(3, -1)
    t = target.double().reshape(3, -1)
    mu_s, mu_t = s.mean(1, keepdim=True), t.mean(1, keepdim=True)
    cov_s = torch.cov(s) + 1e-5 * torch.eye(3, dtype=s.dtype)
    cov_t = torch.cov(t) + 1e-5 * torch.eye(3, dtype=t.dtype)
    a = _sqrtm(cov_t, 0.5) @ _sqrtm(cov_s, -0.5)
    out = a @ (s - mu_s) + mu_t
    return out.reshape(source.shape).clamp(0, 1).to(source.dtype)


def prepare_style(style: torch.Tensor, content: torch.Tensor, mode: str | None) -> torch.Tensor:
    """The style image as the transfer should see it under colour mode ``mode``."""
    if mode is None:
        return style
    if mode == "luminance":
        return match_luminance(style, content)
    return match_color(style, content)


def prepare_content(content: torch.Tensor, mode: str | None) -> torch.Tensor:
    """The content image as the transfer should see it (grey for luminance-only transfer)."""
    return grey(content) if mode == "luminance" else content


def finish(stylised: torch.Tensor, content: torch.Tensor, mode: str | None) -> torch.Tensor:
    """Put the content's colours back after a luminance-only transfer; otherwise a no-op."""
    if mode == "luminance":
        return combine_luminance(stylised, content)
    return stylised.clamp(0, 1)


def recolor(stylised: torch.Tensor, content: torch.Tensor, mode: str | None) -> torch.Tensor:
    """Give a feed-forward output the content's colours after the fact (the net has its style's
    colours built in): ``"luminance"`` keeps the output's luminance with the content's
    chrominance; ``"histogram"`` matches the output's colour mean and covariance to the content.
    """
    if mode == "luminance":
        return combine_luminance(stylised, content)
    if mode == "histogram":
        return match_color(stylised, content)
    return stylised.clamp(0, 1)


def jitter_color(x: torch.Tensor, g: torch.Generator, strength: float) -> torch.Tensor:
    """A random recolouring for data augmentation: hue rotated by up to ``strength * 180``
    degrees in the YIQ chroma plane, saturation and contrast scaled by up to ``1 +- strength /
    2``, brightness shifted by up to ``strength / 10``; one draw from ``g`` for the whole batch.

    Args:
        x: (B, 3, H, W) RGB in [0, 1].
        strength: 0 returns ``x`` unchanged; 1 is the widest.

    Returns:
        The recoloured images, clamped to [0, 1].
    """
    if strength <= 0:
        return x
    u = (torch.rand(4, generator=g, dtype=torch.float64) * 2 - 1) * strength
    angle = float(u[0]) * torch.pi
    sat, contrast, shift = 1 + float(u[1]) / 2, 1 + float(u[2]) / 2, float(u[3]) / 10
    yiq = rgb_to_yiq(x.double())
    y = (yiq[:, :1] - yiq[:, :1].mean()) * contrast + yiq[:, :1].mean() + shift
    c, s = torch.cos(torch.tensor(angle)), torch.sin(torch.tensor(angle))
    i = (c * yiq[:, 1:2] - s * yiq[:, 2:3]) * sat
    q = (s * yiq[:, 1:2] + c * yiq[:, 2:3]) * sat
    return yiq_to_rgb(torch.cat([y, i, q], dim=1)).clamp(0, 1).to(x.dtype)
