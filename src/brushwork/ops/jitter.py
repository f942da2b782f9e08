"""Random shifts between a net's output and the loss network that scores it (the transformation
robustness of Mordvintsev, Olah and Tyka, "Feature Visualization", Distill 2017).

A net that upsamples by 4 lays its output on a 4-pixel grid, and VGG19 pools on grids of 2, 4
and 8 pixels. When training crops keep the two grids aligned, the net can learn a pattern locked
to them that VGG's max-pooling aliases into the statistics it is asked for: the fine hatching of
fast styles and the dot grid of super-resolution nets trained on a short budget. Scoring the
output cropped at a new random offset every step removes that shortcut. At test time,
:func:`shift_ensemble` averages a net's outputs over half-cell shifts of its input, which cancels
what is left of such a pattern, and :func:`remove_grid` takes out the rest: the part of a picture
that repeats exactly with the grid's period, estimated robustly in each neighbourhood.
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


def phase_window(n: int, period: int, cells: int) -> list[torch.Tensor]:
    """For each ``i`` in ``range(n)``, the ``2 cells + 1`` indices ``i + k period`` (``k`` from
    ``-cells`` to ``cells``), the window moved by whole periods to stay inside ``[0, n)`` near
    the ends; one tensor per ``k``. Where ``n`` is too short for the window, indices are brought
    inside by whole periods and repeat. Every index keeps the phase of ``i``.

    Example:
        >>> [t.tolist() for t in phase_window(6, 2, 1)]
        [[0, 1, 0, 1, 0, 1], [2, 3, 2, 3, 2, 3], [4, 5, 4, 5, 4, 5]]
    """

    def inside(j: torch.Tensor) -> torch.Tensor:  # into [0, n) by whole periods
        j = j + period * (-j).clamp(min=0).add(period - 1).div(period, rounding_mode="floor")
        over = (j - (n - 1)).clamp(min=0)
        return j - period * over.add(period - 1).div(period, rounding_mode="floor")

    start = inside(torch.arange(n) - cells * period)
    last = start + 2 * cells * period
    start = start + inside(last) - last
    return [inside(start + k * period) for k in range(2 * cells + 1)]


def _cell_mean(x: torch.Tensor, period: int) -> torch.Tensor:
    """The mean of ``x`` over the ``period`` x ``period`` cell at each pixel (the cell kept
    inside the picture at its edges, so a pattern of that period averages out everywhere)."""
    lo, hi = period // 2, period - 1 - period // 2
    return F.pad(F.avg_pool2d(x, period, stride=1), (lo, hi, lo, hi), mode="replicate")


def _phase_median(x: torch.Tensor, period: int, cells: int, band: int) -> torch.Tensor:
    """Each pixel's median over the ``2 cells + 1`` pixels of its row at the same grid phase
    (:func:`phase_window`), ``band`` rows at a time."""
    cols = phase_window(x.shape[-1], period, cells)
    out = torch.empty_like(x)
    for top in range(0, x.shape[-2], band):
        part = x[..., top : top + band, :]
        out[..., top : top + band, :] = (
            torch.stack([part.index_select(-1, c) for c in cols]).median(0).values
        )
    return out


def remove_grid(y: torch.Tensor, period: int, cells: int = 2, band: int = 128) -> torch.Tensor:
    """``y`` (B, C, H, W) less the pattern locked to its ``period`` grid: a comb notch filter
    at the grid's frequencies, as used against periodic noise (Gonzalez and Woods, "Digital Image
    Processing", section 5.4), made robust to edges by a median.

    The detail of ``y`` (``y`` less its mean over one cell) is sampled at the same grid phase in
    the ``2 cells + 1`` cells to each side of a pixel, then in as many above and below; the
    median across, then the median of those down (a separable median of the ``(2 cells + 1)**2``
    cells around it), less its own mean over one cell (so that no brightness is moved), is the
    local grid pattern, and it is subtracted. A pattern that repeats every ``period`` pixels is
    removed whatever its shape; an edge or a stroke falls in only a few of those cells, so the
    medians leave no echoes of it one period away. ``band`` rows are filtered at a time
    (memory).

    Example:
        >>> x = torch.linspace(0, 1, 32).expand(1, 1, 32, 32)
        >>> tile = torch.rand(8, 8)
        >>> pattern = (tile - tile.mean()).repeat(4, 4)
        >>> float((remove_grid(x + pattern, 8) - x).abs().max()) < 1e-5
        True
    """
    h, w = y.shape[-2:]
    if min(h, w) < period:
        return y
    detail = y - _cell_mean(y, period)
    across = _phase_median(detail, period, cells, band)
    pattern = _phase_median(across.transpose(-1, -2), period, cells, band).transpose(-1, -2)
    return y - (pattern - _cell_mean(pattern, period))
