"""Region masks for spatial style control (Gatys et al., "Controlling Perceptual Factors in
Neural Style Transfer", 2017, section 4): a colour-coded mask assigns each part of the content to
one style image.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from brushwork.errors import OptionError

#: Share of pixels the assigned colours must cover; the rest (anti-aliased or JPEG edges)
#: goes to the nearest of them.
MIN_COVERAGE = 0.97


def parse_hex(color: str) -> tuple[int, int, int]:
    """``"#ff8800"`` or ``"ff8800"`` -> (255, 136, 0)."""
    c = color.strip().lstrip("#")
    if len(c) != 6:
        raise OptionError(f"mask colour {color!r} is not of the form #rrggbb")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError:
        raise OptionError(f"mask colour {color!r} is not of the form #rrggbb") from None


def mask_colors(mask: torch.Tensor, n: int) -> list[tuple[int, int, int]]:
    """The ``n`` most frequent colours of a (1, 3, H, W) [0, 1] mask, darkest first."""
    q = (mask[0] * 255).round().long()
    codes = (q[0] << 16) | (q[1] << 8) | q[2]
    values, counts = torch.unique(codes.flatten(), return_counts=True)
    order = counts.argsort(descending=True)[:n]
    cols = [(int(v) >> 16 & 255, int(v) >> 8 & 255, int(v) & 255) for v in values[order]]
    return sorted(cols, key=lambda c: 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2])


def regions_from_mask(
    mask: torch.Tensor, n_styles: int, colors: Sequence[tuple[int, int, int]] | None = None
) -> torch.Tensor:
    """One-hot region weights (1, R, H, W) from a colour-coded mask (1, 3, H, W) in [0, 1].

    Region r is the set of pixels of ``colors[r]``. Without ``colors``, the mask's ``n_styles``
    most frequent colours are used, ordered dark to light (so black goes to the first style and
    white to the second). Pixels of other colours join the nearest listed colour, but the listed
    colours must cover at least 97% of the mask.

    Raises:
        OptionError: wrong number of colours, or colours that do not appear in the mask.
    """
    if n_styles < 2:
        raise OptionError("a mask needs at least two style images, one per region")
    cols = list(colors) if colors is not None else mask_colors(mask, n_styles)
    if len(cols) != n_styles:
        raise OptionError(f"mask has {len(cols)} colours but {n_styles} style images were given")
    q = (mask[0] * 255).round()  # (3, H, W)
    palette = torch.tensor(cols, dtype=q.dtype).view(-1, 3, 1, 1)
    dist = (q.unsqueeze(0) - palette).abs().sum(1)  # (R, H, W)
    exact = (dist < 24).any(0).float().mean().item()
    if exact < MIN_COVERAGE:
        raise OptionError(
            f"mask colours do not fit: the {n_styles} region colours cover {exact:.0%} of it; "
            f"it needs exactly one flat colour per style image"
        )
    nearest = dist.argmin(0)
    for r in range(n_styles):
        if not (nearest == r).any():
            raise OptionError(f"mask colour #{bytes(cols[r]).hex()} does not appear in the mask")
    onehot = torch.stack([(nearest == r).float() for r in range(n_styles)])
    return onehot.unsqueeze(0)
