from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.regions import (
    flat_colors,
    paired_colors,
    parse_hex,
    regions_from_mask,
    regions_of,
)


def _mask() -> torch.Tensor:
    m = torch.ones(1, 3, 8, 8)  # white
    m[..., :, :3] = 0  # black left part
    return m


def test_black_goes_to_first_style_white_to_second() -> None:
    r = regions_from_mask(_mask(), 2)
    assert r.shape == (1, 2, 8, 8)
    assert r[0, 0, :, :3].eq(1).all() and r[0, 0, :, 3:].eq(0).all()
    assert torch.equal(r.sum(1), torch.ones(1, 8, 8))


def test_explicit_colours_reverse_the_order() -> None:
    r = regions_from_mask(_mask(), 2, [parse_hex("#ffffff"), parse_hex("000000")])
    assert r[0, 1, :, :3].eq(1).all()


def test_mask_errors() -> None:
    noisy = torch.rand(1, 3, 16, 16)
    with pytest.raises(OptionError, match="cover"):
        regions_from_mask(noisy, 2)
    with pytest.raises(OptionError, match="3 style images"):
        regions_from_mask(_mask(), 3, [(0, 0, 0), (255, 255, 255)])
    with pytest.raises(OptionError, match="does not appear"):
        regions_from_mask(torch.zeros(1, 3, 8, 8), 2, [(0, 0, 0), (255, 0, 0)])
    with pytest.raises(OptionError, match="#rrggbb"):
        parse_hex("red")


def _coded(*cols: tuple[int, int, int], h: int = 8) -> torch.Tensor:
    """A mask of vertical stripes, one per colour, 4 px wide."""
    m = torch.zeros(1, 3, h, 4 * len(cols))
    for i, c in enumerate(cols):
        m[0, :, :, 4 * i : 4 * i + 4] = torch.tensor(c).view(3, 1, 1) / 255
    return m


def test_paired_masks_share_their_colours() -> None:
    sky, city, water = (0, 0, 255), (255, 0, 0), (0, 255, 0)
    content, style = _coded(sky, city, water), _coded(water, sky, city, h=6)
    cols = paired_colors(content, style)
    assert sorted(cols) == sorted([sky, city, water])
    regions = regions_of(style, cols)
    assert regions.shape == (1, 3, 6, 12)
    assert torch.equal(regions[0, cols.index(water), :, :4], torch.ones(6, 4))
    assert torch.equal(regions.sum(1), torch.ones(1, 6, 12))


def test_paired_masks_with_a_colour_missing_from_the_other() -> None:
    sky, city, water = (0, 0, 255), (255, 0, 0), (0, 255, 0)
    with pytest.raises(OptionError, match="content mask colour #00ff00 is not in the style mask"):
        paired_colors(_coded(sky, city, water), _coded(sky, city))
    with pytest.raises(OptionError, match="style mask colour #00ff00 is not in the content mask"):
        paired_colors(_coded(sky, city), _coded(sky, water, city))


def test_a_photo_is_not_a_colour_coded_mask() -> None:
    noise = torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    with pytest.raises(OptionError, match="not a colour-coded mask"):
        flat_colors(noise, "content mask")
    jpeg_edges = _coded((0, 0, 0), (255, 255, 255), h=100)
    jpeg_edges[0, :, 0, 0] = 0.5  # a stray pixel: under 3%, goes to the nearest colour
    assert len(flat_colors(jpeg_edges)) == 2


def test_snap_colors_takes_the_nearest_colour_and_passes_the_gradient_straight() -> None:
    from brushwork.ops.regions import snap_colors

    colors = torch.tensor([[-1.0, -1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    x = torch.tensor(
        [[0.9, 0.2, 0.1], [-0.8, -0.6, 0.5], [0.2, 0.6, -0.1], [0.45, 0.5, 0.0]]
    ).T.reshape(1, 3, 2, 2)
    x.requires_grad_(True)
    y = snap_colors(x, colors)
    # L1 distances by hand: pixel 4 (0.45, 0.5, 0) is 1.05 from red, 0.95 from green
    expected = torch.tensor([[1.0, 0, 0], [-1, -1, 1], [0, 1, 0], [0, 1, 0]]).T.reshape(1, 3, 2, 2)
    assert torch.equal(y.detach(), expected)
    weights = torch.rand(1, 3, 2, 2)
    (grad,) = torch.autograd.grad((y * weights).sum(), x)
    assert torch.equal(grad, weights)
