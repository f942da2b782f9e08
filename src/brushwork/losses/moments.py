"""Style loss on feature statistics (Huang and Belongie, "Arbitrary Style Transfer in Real-time
with Adaptive Instance Normalization", 2017, eq. 13): at each layer, the squared differences of
the per-channel means and of the per-channel standard deviations, the statistics AdaIN
transfers. Cheaper than a Gram loss (no C x C matrices) and the loss AdaIN's decoder trains on.
"""

from __future__ import annotations

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError
from brushwork.ops.moments import mean_std


def moment_loss(
    input: torch.Tensor, target_mean: torch.Tensor, target_std: torch.Tensor
) -> torch.Tensor:
    """``mean((mu(input) - target_mean)^2) + mean((sigma(input) - target_std)^2)``, float32.

    Args:
        input: features (B, C, H, W).
        target_mean, target_std: (B or 1, C, 1, 1), as :func:`~brushwork.ops.moments.mean_std`
            returns them.

    Example:
        >>> moment_loss(torch.zeros(1, 2, 2, 2), torch.ones(1, 2, 1, 1), torch.zeros(1, 2, 1, 1))
        tensor(1.0000)
    """
    mean, std = mean_std(input)
    if mean.shape[1] != target_mean.shape[1] or target_mean.shape != target_std.shape:
        raise OptionError(
            f"moment_loss: features with {mean.shape[1]} channels, targets "
            f"{tuple(target_mean.shape)} / {tuple(target_std.shape)}"
        )
    return (mean - at_least_float32(target_mean)).pow(2).mean() + (
        std - at_least_float32(target_std)
    ).pow(2).mean()


class MomentLoss(nn.Module):
    """Holds a target mean and std; ``forward(features)`` calls :func:`moment_loss`."""

    target_mean: torch.Tensor
    target_std: torch.Tensor

    def __init__(self, target_mean: torch.Tensor, target_std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("target_mean", target_mean.detach())
        self.register_buffer("target_std", target_std.detach())

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return moment_loss(input, self.target_mean, self.target_std)
