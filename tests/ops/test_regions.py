from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.regions import parse_hex, regions_from_mask


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
