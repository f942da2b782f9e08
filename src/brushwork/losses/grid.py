"""Grid loss: the power of the pattern locked to the pixel grid (issue 21's lite hatching).

A net that upsamples by strides (a pixel shuffle, nearest upsampling, a transposed conv) can paint
a faint pattern that repeats every few pixels, the checkerboard of Odena et al. ("Deconvolution
and Checkerboard Artifacts", Distill 2016). It is small in a pixel MSE (a unit or two of 255) but
it covers the whole picture and shows at 3x zoom. Averaged over every ``period`` x ``period`` cell
of the picture, and over the batch, a photo's content averages out and what stays is that
pattern: its mean square is this loss, the differentiable counterpart of
:func:`brushwork.ops.quality.grid_pattern`.
"""

from __future__ import annotations

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError
from brushwork.ops.quality import grid_cells


def grid_loss(
    image: torch.Tensor, target: torch.Tensor | None = None, period: int = 8
) -> torch.Tensor:
    """Mean square of the ``period`` x ``period`` pattern of ``image - target`` (``image`` alone
    without a target) that every cell of every picture of the batch shares.

    The picture (cropped to whole cells) is cut into cells, their mean over the cells and the
    batch is taken per channel, and less its own mean (a uniform offset is no pattern), it is
    squared and averaged. Periods 2 and 4 are covered by 8. With ``target`` (a teacher's output
    for a student) only the pattern the target lacks costs.

    Args:
        image, target: (B, C, H, W), H and W at least ``period``.

    Example:
        >>> tile = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]) * 0.1  # a 2 px checkerboard
        >>> round(float(grid_loss(tile.repeat(4, 4).view(1, 1, 8, 8), period=2)), 6)
        0.01
    """
    if period < 1:
        raise OptionError(f"grid_loss: period must be at least 1, got {period}")
    if image.dim() != 4 or min(image.shape[-2:]) < period:
        raise OptionError(
            f"grid_loss: expected (B, C, H>={period}, W>={period}), got {tuple(image.shape)}"
        )
    x = at_least_float32(image)
    if target is not None:
        if target.shape != image.shape:
            raise OptionError(
                f"grid_loss: target {tuple(target.shape)} is not the image's {tuple(image.shape)}"
            )
        x = x - at_least_float32(target)
    pattern = grid_cells(x, period).mean(dim=(0, 2, 4))  # (C, period, period)
    pattern = pattern - pattern.mean(dim=(-2, -1), keepdim=True)
    return pattern.pow(2).mean()


class GridLoss(nn.Module):
    """Module form of :func:`grid_loss`."""

    def __init__(self, period: int = 8) -> None:
        super().__init__()
        self.period = period

    def forward(self, image: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        return grid_loss(image, target, self.period)
