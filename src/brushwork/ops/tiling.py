"""Run an image-to-image function over overlapping tiles and blend them without seams, so large
images are processed in bounded memory."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from brushwork.errors import OptionError


def tile_starts(length: int, tile: int, overlap: int, align: int = 1) -> list[int]:
    """Start offsets of tiles of size ``tile`` covering ``length``, spread evenly so that
    neighbours share at least ``overlap`` pixels, each a multiple of ``align`` (a strided net
    then samples every tile on the same grid as the whole image). The last tile runs to the end
    and may be up to ``align - 1`` pixels longer than ``tile``.

    Example:
        >>> tile_starts(1000, 400, 100)
        [0, 300, 600]
        >>> tile_starts(1000, 400, 100, align=4)
        [0, 300, 600]
        >>> tile_starts(1001, 400, 100, align=4)
        [0, 200, 400, 600]
    """
    if tile >= length:
        return [0]
    n = math.ceil((length - overlap) / (tile - overlap))
    starts = [round(i * (length - tile) / (n - 1)) // align * align for i in range(n)]
    return sorted(set(starts))


def _ramp(length: int, start_blend: int, end_blend: int) -> torch.Tensor:
    """1-D weights: 0 over the outer quarter of each blended edge, then a linear ramp to 1.

    Two neighbouring tiles whose overlap is ``o`` get complementary weights (summing to one)
    across it, and the outer ``o / 4`` pixels of each, where its own padding shows, get none.
    """
    w = torch.ones(length)
    pos = torch.arange(length, dtype=torch.float32) + 0.5
    if start_blend:
        w = torch.minimum(w, ((pos - start_blend / 4) / (start_blend / 2)).clamp(0, 1))
    if end_blend:
        rev = length - pos
        w = torch.minimum(w, ((rev - end_blend / 4) / (end_blend / 2)).clamp(0, 1))
    return w


def tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    *,
    tile: int = 768,
    overlap: int = 128,
    align: int = 1,
    scale: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """``fn`` applied to ``x`` tile by tile, blended with feathered weights.

    Args:
        fn: maps (1, C, h, w) to (1, C', scale * h, scale * w).
        x: (1, C, H, W).
        tile: tile side in pixels.
        overlap: pixels shared by neighbouring tiles (the blend zone).
        align: tile offsets are multiples of this (the total stride of ``fn``).
        scale: how much larger ``fn``'s output is than its input (super-resolution).
        progress: called with (done, total) after each tile.

    Returns:
        (1, C', scale * H, scale * W) float32.
    """
    if overlap < 4 or tile <= 2 * overlap:
        raise OptionError(f"tile ({tile}) must exceed twice the overlap ({overlap}), overlap >= 4")
    _, _, h, w = x.shape
    rows, cols = _spans(h, tile, overlap, align, scale), _spans(w, tile, overlap, align, scale)
    out: torch.Tensor | None = None
    weight = torch.zeros(1, 1, h * scale, w * scale)
    total, done = len(rows) * len(cols), 0
    s = scale
    for (y0, y1), wy in rows:
        for (x0, x1), wx in cols:
            y = fn(x[..., y0:y1, x0:x1]).float().cpu()
            if out is None:
                out = torch.zeros(1, y.shape[1], h * s, w * s)
            wt = (wy[:, None] * wx[None, :])[None, None]
            out[..., y0 * s : y1 * s, x0 * s : x1 * s] += y * wt
            weight[..., y0 * s : y1 * s, x0 * s : x1 * s] += wt
            done += 1
            if progress is not None:
                progress(done, total)
    assert out is not None
    return out / weight.clamp_min(1e-8)


def _spans(
    length: int, tile: int, overlap: int, align: int, scale: int = 1
) -> list[tuple[tuple[int, int], torch.Tensor]]:
    """(start, end) of each tile along one axis with its 1-D blend weights (at ``scale`` times
    the input's resolution)."""
    starts = tile_starts(length, tile, overlap, align)
    ends = [min(s + tile, length) for s in starts[:-1]] + [length]
    out = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        before = ends[i - 1] - a if i else 0
        after = b - starts[i + 1] if i + 1 < len(starts) else 0
        out.append(((a, b), _ramp((b - a) * scale, before * scale, after * scale)))
    return out
