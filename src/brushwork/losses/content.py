"""Content (feature reconstruction) loss of Gatys et al. (2016) and Johnson et al. (2016)."""

from __future__ import annotations

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.losses._checks import check_same_shape


def content_loss(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between two feature maps, in float32.

    Args:
        input: features of the image being optimised, (B, C, H, W).
        target: features of the content image, same shape (or batch 1, broadcast).

    Returns:
        A scalar: ``mean((input - target) ** 2)``.

    Example:
        >>> content_loss(torch.ones(1, 2, 2, 2), torch.zeros(1, 2, 2, 2))
        tensor(1.)
    """
    check_same_shape(input, target, "content_loss", broadcast_batch=True)
    return (at_least_float32(input) - at_least_float32(target)).pow(2).mean()


class ContentLoss(nn.Module):
    """Holds the target features; ``forward(features)`` calls :func:`content_loss`."""

    target: torch.Tensor

    def __init__(self, target: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("target", target.detach())

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return content_loss(input, self.target)
