"""Short-term temporal loss (Ruder, Dosovitskiy and Brox, "Artistic Style Transfer for Videos",
GCPR 2016): a frame should match the previous stylised frame warped along the motion, where
that motion is reliable."""

from __future__ import annotations

import torch
from torch import nn

from brushwork.errors import OptionError


def temporal_loss(
    frame: torch.Tensor, warped: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """``sum(c * (frame - warped)^2) / sum(c)`` per channel value: the mean squared difference
    over the pixels where ``weights`` c (B, 1, H, W) in [0, 1] trusts the warp (all if ``None``).

    Example:
        >>> a, b = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
        >>> temporal_loss(a, b)
        tensor(1.)
        >>> temporal_loss(a, b, torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]]))  # one trusted pixel
        tensor(1.)
    """
    if frame.shape != warped.shape:
        raise OptionError(f"temporal_loss: shapes {tuple(frame.shape)} and {tuple(warped.shape)}")
    sq = (frame.float() - warped.float()).pow(2)
    if weights is None:
        return sq.mean()
    c = weights.float().expand_as(sq)
    return (c * sq).sum() / c.sum().clamp(min=1.0)


class TemporalLoss(nn.Module):
    """Module form of :func:`temporal_loss`."""

    def forward(
        self, frame: torch.Tensor, warped: torch.Tensor, weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        return temporal_loss(frame, warped, weights)
