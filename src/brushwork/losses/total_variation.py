"""Total variation regulariser (Mahendran and Vedaldi, 2015; used by Johnson et al., 2016)."""

from __future__ import annotations

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels (the smooth, beta = 2 form).

    ``mean((x[..., i, j+1] - x[..., i, j])^2) + mean((x[..., i+1, j] - x[..., i, j])^2)``;
    a mean, so its weight does not depend on the image size.

    Args:
        image: (B, C, H, W), H and W at least 2.

    Example:
        >>> total_variation(torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]]))
        tensor(1.)
    """
    if image.dim() != 4 or image.shape[-1] < 2 or image.shape[-2] < 2:
        raise OptionError(f"total_variation: expected (B, C, H>=2, W>=2), got {tuple(image.shape)}")
    x = at_least_float32(image)
    dx = (x[..., :, 1:] - x[..., :, :-1]).pow(2).mean()
    dy = (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean()
    return dx + dy


class TotalVariation(nn.Module):
    """Module form of :func:`total_variation`."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return total_variation(image)
