"""Random shifts between a net's output and the loss network that scores it (the transformation
robustness of Mordvintsev, Olah and Tyka, "Feature Visualization", Distill 2017).

A net that upsamples by 4 lays its output on a 4-pixel grid, and VGG19 pools on grids of 2, 4
and 8 pixels. When training crops keep the two grids aligned, the net can learn a pattern locked
to them that VGG's max-pooling aliases into the statistics it is asked for: the fine hatching of
fast styles and the dot grid of super-resolution nets trained on a short budget. Scoring the
output cropped at a new random offset every step removes that shortcut. At test time,
:func:`shift_ensemble` averages a net's outputs over half-cell shifts of its input, which cancels
what is left of such a pattern.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

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


#: the half-cell offsets (in units of half a period) of 1, 2 and 4 shifts
_OFFSETS = {1: [(0, 0)], 2: [(0, 0), (1, 1)], 4: [(0, 0), (1, 1), (0, 1), (1, 0)]}


def check_shifts(shifts: object) -> None:
    """A clear error unless ``shifts`` is 1, 2 or 4."""
    if isinstance(shifts, bool) or not isinstance(shifts, int) or shifts not in _OFFSETS:
        raise OptionError(f"shifts must be 1, 2 or 4, got {shifts}")


def shift_ensemble(
    fn: Callable[..., torch.Tensor], shifts: int, period: int, *xs: torch.Tensor
) -> torch.Tensor:
    """The mean of ``fn(*xs)`` over copies of the inputs shifted by half of ``period`` (the
    net's upsampling grid), each output shifted back: a test-time self-ensemble (as EDSR's
    geometric one, Lim et al. 2017) that cancels a pattern locked to the grid. A shift of half a
    period flips the sign of the grid's fundamental; 4 shifts also cover the rows and columns.

    ``xs[0]`` is the image (padded by reflection), the others are maps aligned with it (padded
    by replication); ``fn`` must return a (B, C, H', W') map at least the padded size.

    Example:
        >>> grid = lambda x: x + torch.cos(torch.arange(x.shape[-1]) * torch.pi / 4)
        >>> x = torch.zeros(1, 1, 8, 16)
        >>> float(grid(x).abs().max()), float(shift_ensemble(grid, 2, 8, x).abs().max()) < 1e-6
        (1.0, True)
    """
    check_shifts(shifts)
    h, w = xs[0].shape[-2:]
    half = period // 2
    total: torch.Tensor | None = None
    for oy, ox in _OFFSETS[shifts]:
        dy, dx = oy * half, ox * half
        padded = [
            F.pad(x, (dx, 0, dy, 0), mode="reflect" if i == 0 else "replicate")
            for i, x in enumerate(xs)
        ]
        y = fn(*padded)[..., dy : dy + h, dx : dx + w]
        total = y if total is None else total + y
    assert total is not None
    return total / len(_OFFSETS[shifts])
