"""The super-resolution net: output shapes for each scale and odd sizes, and its bicubic skip."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from brushwork.errors import OptionError
from brushwork.nets.sr import SRConfig, SRNet


@pytest.mark.parametrize("scale", [2, 4, 8])
@pytest.mark.parametrize("size", [(5, 5), (17, 30), (33, 8)])
def test_output_is_exactly_scale_times_the_input(scale: int, size: tuple[int, int]) -> None:
    net = SRNet(SRConfig(scale=scale, channels=8, residual_blocks=1))
    assert net(torch.rand(2, 3, *size)).shape == (2, 3, size[0] * scale, size[1] * scale)


def test_a_silent_tail_is_bicubic_upscaling() -> None:
    net = SRNet(SRConfig(scale=4, channels=8, residual_blocks=1))
    tail = net.tail[1]
    assert isinstance(tail, torch.nn.Conv2d)
    torch.nn.init.zeros_(tail.weight)
    torch.nn.init.zeros_(tail.bias)
    x = torch.rand(1, 3, 9, 12)
    want = F.interpolate(x, scale_factor=4.0, mode="bicubic", align_corners=False)
    assert torch.allclose(net(x), want)


def test_bad_configs() -> None:
    with pytest.raises(OptionError, match="scale"):
        SRConfig(scale=3)
    with pytest.raises(OptionError):
        SRConfig(tail_kernel=4)
    with pytest.raises(OptionError):
        SRNet()(torch.rand(1, 1, 8, 8))
    assert SRConfig.from_dict(SRConfig(scale=8).to_dict()) == SRConfig(scale=8)
