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


def parse_hex(color: str, what: str = "mask colour") -> tuple[int, int, int]:
    """``"#ff8800"`` or ``"ff8800"`` -> (255, 136, 0); ``what`` names it in the error."""
    c = color.strip().lstrip("#")
    if len(c) != 6:
        raise OptionError(f"{what} {color!r} is not of the form #rrggbb")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError:
        raise OptionError(f"{what} {color!r} is not of the form #rrggbb") from None


def color_distances(x: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """L1 distance of each pixel of ``x`` ((3, H, W) or (B, 3, H, W)) to each of ``colors``
    (K, 3, same units): (K, H, W) or (B, K, H, W), the nearest colour being the argmin."""
    return (x.unsqueeze(-4) - colors.view(-1, 3, 1, 1)).abs().sum(-3)


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
    dist = color_distances(q, torch.tensor(cols, dtype=q.dtype))  # (R, H, W)
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


def flat_colors(mask: torch.Tensor, what: str = "mask") -> list[tuple[int, int, int]]:
    """The flat colours of a colour-coded (1, 3, H, W) [0, 1] mask: its most frequent colours,
    as few as cover 97% of it (anti-aliased or JPEG edges are the rest), at most 16."""
    q = (mask[0] * 255).round().long()
    codes = (q[0] << 16) | (q[1] << 8) | q[2]
    values, counts = torch.unique(codes.flatten(), return_counts=True)
    order = counts.argsort(descending=True)
    covered = counts[order].cumsum(0).double() / codes.numel()
    k = int((covered < MIN_COVERAGE).sum()) + 1
    if k > MAX_REGIONS:
        raise OptionError(
            f"the {what} is not a colour-coded mask: it needs more than {MAX_REGIONS} colours to "
            f"cover {MIN_COVERAGE:.0%} of it; paint each region in one flat colour"
        )
    return [(int(v) >> 16 & 255, int(v) >> 8 & 255, int(v) & 255) for v in values[order[:k]]]


#: most regions a paired content/style mask may have
MAX_REGIONS = 16


def _close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) < 24


def paired_colors(
    content_mask: torch.Tensor, style_mask: torch.Tensor
) -> list[tuple[int, int, int]]:
    """The region colours shared by a content mask and a style mask (Luan et al., 2017: sky to
    sky): every flat colour of each must appear in the other.

    Raises:
        OptionError: a colour of one mask is missing from the other.
    """
    ours, theirs = flat_colors(content_mask, "content mask"), flat_colors(style_mask, "style mask")
    for col in ours:
        if not any(_close(col, t) for t in theirs):
            raise OptionError(f"content mask colour #{bytes(col).hex()} is not in the style mask")
    for col in theirs:
        if not any(_close(col, c) for c in ours):
            raise OptionError(f"style mask colour #{bytes(col).hex()} is not in the content mask")
    return ours


def regions_of(mask: torch.Tensor, colors: Sequence[tuple[int, int, int]]) -> torch.Tensor:
    """One-hot regions (1, R, H, W) of a colour mask (1, 3, H, W): each pixel goes to the nearest
    of ``colors`` (checked beforehand, e.g. by :func:`paired_colors`)."""
    q = (mask[0] * 255).round()
    nearest = color_distances(q, torch.tensor(list(colors), dtype=q.dtype)).argmin(0)
    return torch.stack([(nearest == r).float() for r in range(len(colors))]).unsqueeze(0)


def snap_colors(x: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """``x`` (B, 3, H, W) with each pixel set to the nearest of ``colors`` (K, 3, in ``x``'s
    units), the gradient passed straight through to ``x`` (Bengio, Leonard and Courville 2013):
    a label map as a person would read it, which can carry no signal in faint shades.

    Example:
        >>> x = torch.tensor([0.1, 0.7, 0.4]).view(1, 3, 1, 1).requires_grad_()
        >>> y = snap_colors(x, torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        >>> y.flatten().tolist(), torch.autograd.grad(y.sum(), x)[0].flatten().tolist()
        ([0.0, 1.0, 0.0], [1.0, 1.0, 1.0])
    """
    nearest = color_distances(x, colors.to(x)).argmin(1)  # (B, H, W)
    snapped = colors.to(x)[nearest].permute(0, 3, 1, 2)
    return x + (snapped - x).detach()
