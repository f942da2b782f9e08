"""Whitening and colouring transforms (Li et al., "Universal Style Transfer via Feature
Transforms", NeurIPS 2017, section 3.1).

Whitening removes the content features' correlations, ``f_w = E_c D_c^(-1/2) E_c^T (f_c - m_c)``
(identity covariance); colouring gives them the style's, ``f_cs = E_s D_s^(1/2) E_s^T f_w + m_s``,
so that the covariance of ``f_cs`` equals the style features' covariance. Where AdaIN matches
each channel's mean and variance, WCT matches the whole covariance (the Gram statistics the
optimiser's style loss compares). The eigendecompositions run in float64; eigenvalues below
``eps`` times the largest are left out, as the paper drops the near-zero ones.
"""

from __future__ import annotations

import torch
from torch import nn

from brushwork.errors import OptionError

#: relative eigenvalue floor: directions with less variance are not whitened or coloured
EPS = 1e-5


def covariance(
    features: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Channel mean (C, 1) and covariance (C, C), float64, of features (1, C, H, W), optionally
    weighted by a (1, 1, H, W) mask in [0, 1] (``n - 1`` normalisation: the unbiased
    estimate, weights summed)."""
    if features.dim() != 4 or features.shape[0] != 1:
        raise OptionError(
            f"covariance: expected (1, C, H, W) features, got {tuple(features.shape)}"
        )
    f = features[0].flatten(1).double()
    if mask is None:
        w = torch.ones(1, f.shape[1], dtype=f.dtype, device=f.device)
    else:
        w = mask[0].flatten(1).to(f)
    total = w.sum()
    if total <= 1:
        raise OptionError("covariance: the region has too few feature positions")
    mean = (f * w).sum(1, keepdim=True) / total
    d = f - mean
    cov = (d * w) @ d.T / (total - 1)
    return mean, cov


def matrix_power(cov: torch.Tensor, power: float, eps: float = EPS) -> torch.Tensor:
    """``cov ** power`` for symmetric positive semi-definite matrices (..., n, n), on each one's
    eigenvectors whose eigenvalues exceed ``eps`` times its largest (the others are dropped).

    Example:
        >>> matrix_power(torch.tensor([[4.0, 0.0], [0.0, 1e-9]]), -0.5)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    values, vectors = torch.linalg.eigh(cov)
    keep = values > eps * values.amax(dim=-1, keepdim=True).clamp_min(1e-12)
    scale = torch.where(keep, values.clamp_min(1e-30).pow(power), torch.zeros_like(values))
    out: torch.Tensor = (vectors * scale.unsqueeze(-2)) @ vectors.transpose(-1, -2)
    return out


def coloring(
    features: torch.Tensor, mask: torch.Tensor | None = None, eps: float = EPS
) -> tuple[torch.Tensor, torch.Tensor]:
    """A style's WCT target: its features' mean (C, 1) and colouring matrix ``cov^(1/2)`` (C, C),
    float64. Compute it once per style and pass it to :func:`whiten_color` for many frames."""
    mean, cov = covariance(features, mask)
    return mean, matrix_power(cov, 0.5, eps)


def whiten_color(
    content: torch.Tensor,
    style: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
    *,
    mask: torch.Tensor | None = None,
    eps: float = EPS,
) -> torch.Tensor:
    """WCT (Li et al. 2017, eqs. 1-2): ``content`` (1, C, H, W) whitened, then coloured with the
    covariance and mean of ``style`` (features (1, C, h, w) of any size, or its
    :func:`coloring`).

    Args:
        mask: optional (1, 1, H, W) region of the content whose own statistics are whitened
            (a region of a masked stylisation); outside it the result is meaningless, so
            callers combine regions with their masks.

    Returns:
        (1, C, H, W) float32 whose covariance (over the region) is the style's.
    """
    s_mean, s_color = coloring(style, eps=eps) if isinstance(style, torch.Tensor) else style
    if s_color.shape[0] != content.shape[1]:
        raise OptionError(
            f"whiten_color: content has {content.shape[1]} channels, style {s_color.shape[0]}"
        )
    c_mean, c_cov = covariance(content, mask)
    f = content[0].flatten(1).double()
    white = matrix_power(c_cov, -0.5, eps) @ (f - c_mean)
    out = s_color.to(white) @ white + s_mean.to(white)
    return out.reshape(content.shape).to(torch.float32)


class WhitenColor(nn.Module):
    """Module form of :func:`whiten_color` (no parameters)."""

    def __init__(self, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps

    def forward(
        self, content: torch.Tensor, style: torch.Tensor | tuple[torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        return whiten_color(content, style, eps=self.eps)
