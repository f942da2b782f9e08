"""Random shifts between a net's output and the loss network that scores it (the transformation
robustness of Mordvintsev, Olah and Tyka, "Feature Visualization", Distill 2017).

A net that upsamples by 4 lays its output on a 4-pixel grid, and VGG19 pools on grids of 2, 4
and 8 pixels. When training crops keep the two grids aligned, the net can learn a pattern locked
to them that VGG's max-pooling aliases into the statistics it is asked for: the fine hatching of
fast styles and the dot grid of super-resolution nets trained on a short budget. Scoring the
output cropped at a new random offset every step removes that shortcut.
"""

from __future__ import annotations

import torch

from brushwork.errors import OptionError


def check_jitter(jitter: int, crop: int) -> None:
    """A clear error unless 0 <= ``jitter`` < ``crop`` / 2 (a recipe's jitter for its crops)."""
    if not 0 <= jitter < crop // 2:
        raise OptionError(f"jitter must be between 0 and {crop // 2 - 1}, got {jitter}")


def jitter_crop(x: torch.Tensor, jitter: int, dy: int = 0, dx: int = 0) -> torch.Tensor:
    """``x`` (B, C, H, W) cropped to (H - jitter + 1, W - jitter + 1) at offset (dy, dx);
    ``x`` itself when ``jitter`` is 0 or 1.

    Example:
        >>> jitter_crop(torch.arange(16.0).reshape(1, 1, 4, 4), 2, 1, 0)[0, 0]
        tensor([[ 4.,  5.,  6.],
                [ 8.,  9., 10.],
                [12., 13., 14.]])
    """
    if jitter <= 1:
        return x
    h, w = x.shape[-2] - jitter + 1, x.shape[-1] - jitter + 1
    return x[..., dy : dy + h, dx : dx + w]


def random_jitter(jitter: int, *xs: torch.Tensor) -> list[torch.Tensor]:
    """Every tensor of ``xs`` cropped by :func:`jitter_crop` at one offset drawn from torch's
    random generator (0 to ``jitter`` - 1 in each direction).

    Example:
        >>> a, b = random_jitter(3, torch.zeros(1, 3, 8, 8), torch.ones(2, 1, 8, 8))
        >>> a.shape, b.shape
        (torch.Size([1, 3, 6, 6]), torch.Size([2, 1, 6, 6]))
    """
    dy, dx = (int(v) for v in torch.randint(max(jitter, 1), (2,)))
    return [jitter_crop(x, jitter, dy, dx) for x in xs]
