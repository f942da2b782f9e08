"""The lite transform net: any size in, the same size out; about 1/60 of the paper net's work."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from brushwork.errors import OptionError
from brushwork.nets.lite import LiteConfig, LiteNet, SeparableConv
from brushwork.nets.norm import RecordStatistics, ReplayStatistics
from brushwork.nets.transformer import TransformerNet


@pytest.mark.parametrize("hw", [(16, 16), (37, 50), (101, 64), (17, 33)])
def test_odd_sizes_come_out_the_size_they_went_in(hw: tuple[int, int]) -> None:
    y = LiteNet(LiteConfig(widths=(4, 8, 8), residual_blocks=1))(torch.rand(2, 3, *hw))
    assert y.shape == (2, 3, *hw) and torch.isfinite(y).all()


def test_untrained_net_starts_mid_grey() -> None:
    y = LiteNet()(torch.rand(1, 3, 64, 64))
    assert abs(float(y.mean()) - 0.5) < 0.1


def test_separable_conv_counts() -> None:
    conv = SeparableConv(64, 32)
    depthwise, pointwise = conv[1], conv[2]
    assert depthwise.groups == 64 and depthwise.weight.shape == (64, 1, 3, 3)
    assert pointwise.weight.shape == (32, 64, 1, 1)
    # 64*9 + 64 depthwise, 64*32 + 32 pointwise: against 64*32*9 + 32 for a full 3x3 conv
    assert sum(p.numel() for p in conv.parameters()) == 64 * 9 + 64 + 64 * 32 + 32


def test_work_at_720p_is_a_small_fraction_of_the_paper_net() -> None:
    x = torch.rand(1, 3, 720, 1280)
    flops = {}
    for name, net in (("lite", LiteNet()), ("paper", TransformerNet())):
        with FlopCounterMode(display=False) as fc, torch.no_grad():
            net(x)
        flops[name] = fc.get_total_flops()
    assert 260e9 < flops["paper"] < 300e9  # the environment notes' 283 GFLOP
    assert flops["lite"] < flops["paper"] / 50


def test_tiling_statistics_work_for_lite() -> None:
    net = LiteNet(LiteConfig(widths=(4, 8, 8), residual_blocks=1)).eval()
    x = torch.rand(1, 3, 40, 48)
    with torch.no_grad():
        stats = RecordStatistics(net)(x)
        torch.testing.assert_close(ReplayStatistics(net)(x, stats), net(x), atol=1e-4, rtol=1e-5)


def test_config_round_trip_and_errors() -> None:
    cfg = LiteConfig(widths=(8, 16, 32), residual_blocks=3)
    assert LiteConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(OptionError, match="widths"):
        LiteConfig(widths=(16, 32))
    with pytest.raises(OptionError, match="unknown fields: upsample"):
        LiteConfig.from_dict({"upsample": "nearest"})
