"""CycleGAN's ResNet generator: the paper's layout, any size, both upsamplings."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.resnet_generator import ResnetConfig, ResnetGenerator, build


@pytest.mark.parametrize("size", [(5, 7), (31, 17), (64, 64)])
def test_any_size_same_size_in_range(size: tuple[int, int]) -> None:
    net = ResnetGenerator(ResnetConfig(width=4, blocks=2)).eval()
    y = net(torch.rand(1, 3, *size))
    assert y.shape == (1, 3, *size)
    assert float(y.detach().min()) >= 0.0 and float(y.detach().max()) <= 1.0
    assert net.min_side == 5


def test_layout_c7s1_d128_d256_nine_blocks_u128_u64_c7s1() -> None:
    net = ResnetGenerator(ResnetConfig())
    convs = [m for m in net.body.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].kernel_size == (7, 7) and convs[0].out_channels == 64
    assert [c.out_channels for c in convs[1:3]] == [128, 256]
    assert all(c.stride == (2, 2) for c in convs[1:3])
    assert len(convs) == 1 + 2 + 2 * 9 + 2 + 1
    assert convs[-1].kernel_size == (7, 7) and convs[-1].out_channels == 3
    assert any(isinstance(m, nn.ReflectionPad2d) for m in net.modules())
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in net.modules())  # no checkerboards
    t = ResnetGenerator(ResnetConfig(width=4, blocks=1, upsample="transpose"))
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in t.modules()) == 2
    assert t(torch.rand(1, 3, 18, 22)).shape == (1, 3, 18, 22)


def test_config_round_trip_and_bad_values() -> None:
    cfg = ResnetConfig(width=8, blocks=6, dropout=0.5)
    assert build(cfg.to_dict()).config == cfg
    for bad in ({"blocks": -1}, {"width": 0}, {"dropout": 1.0}, {"norm": "layer"}):
        with pytest.raises(OptionError):
            ResnetConfig(**bad)  # type: ignore[arg-type]
