"""The pix2pix U-Net: any input size, skip connections that carry the input's detail, dropout
where the paper puts it, the papers' init, and config round trips."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.norm import InstanceNorm
from brushwork.nets.unet import UNetConfig, UNetGenerator, build


@pytest.mark.parametrize("size", [(1, 9), (17, 17), (64, 64), (37, 100), (129, 65)])
def test_any_size_comes_back_the_same_size_in_range(size: tuple[int, int]) -> None:
    net = UNetGenerator(UNetConfig(depth=4, width=4, dropout=2)).eval()
    h, w = size
    y = net(torch.rand(2, 3, h, w))
    assert y.shape == (2, 3, h, w)
    assert float(y.detach().min()) >= 0.0 and float(y.detach().max()) <= 1.0


def test_channels_follow_the_paper_c64_c128_c256_c512() -> None:
    cfg = UNetConfig()
    assert [cfg.channels(i) for i in range(8)] == [64, 128, 256, 512, 512, 512, 512, 512]
    net = UNetGenerator(UNetConfig(depth=8, width=64))
    convs = [m for m in net.body.down.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 512, 512, 512, 512]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)
    # 256 px goes down to a 1x1 bottleneck
    x = torch.rand(1, 3, 256, 256)
    for layer in net.body.down:
        x = layer(x)
    assert x.shape[-2:] == (1, 1)


def test_dropout_sits_in_the_decoder_levels_next_to_the_bottleneck() -> None:
    net = UNetGenerator(UNetConfig(depth=8, width=4, dropout=3))
    with_dropout = [
        i for i, layer in enumerate(net.body.up) if any(isinstance(m, nn.Dropout) for m in layer)
    ]
    assert with_dropout == [1, 2, 3]  # not the innermost (0), then the three after it


def test_dropout_is_noise_in_training_and_off_in_eval() -> None:
    torch.manual_seed(0)
    net = UNetGenerator(UNetConfig(depth=4, width=4, dropout=2))
    x = torch.rand(1, 3, 32, 32)
    net.train()
    assert not torch.equal(net(x), net(x))
    net.eval()
    assert torch.equal(net(x), net(x))


def test_the_outermost_skip_connection_carries_the_input_past_the_bottleneck() -> None:
    """With every encoder level but the first silenced (weights and biases zero), only the
    outermost skip connection can carry the input to the decoder: the output still follows a
    one-pixel change, near that pixel. Without the skips it would be constant."""
    torch.manual_seed(0)
    net = UNetGenerator(UNetConfig(depth=3, width=4, norm="none", dropout=0)).eval()
    with torch.no_grad():
        for level in list(net.body.down)[1:]:
            for p in level.parameters():
                p.zero_()
    x = torch.rand(1, 3, 16, 16)
    y0 = net(x)
    x2 = x.clone()
    x2[0, :, 8, 8] += 0.5
    diff = (net(x2) - y0).abs().sum(1)[0]
    assert float(diff.sum()) > 0
    far = diff.clone()
    far[5:12, 5:12] = 0
    assert float(far.sum()) == 0.0  # two 4x4 stride-2 convs reach only nearby pixels


def test_papers_init_normal_0_002_and_norm_scales_near_1() -> None:
    torch.manual_seed(0)
    net = UNetGenerator(UNetConfig(depth=6, width=16))
    weights = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, nn.Conv2d)])
    assert abs(float(weights.mean())) < 1e-3
    assert float(weights.std()) == pytest.approx(0.02, rel=0.05)
    scales = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, InstanceNorm)])
    assert float(scales.mean()) == pytest.approx(1.0, abs=0.01)


def test_batch_norm_and_transposed_upsampling_build() -> None:
    net = UNetGenerator(UNetConfig(depth=3, width=4, dropout=1, norm="batch", upsample="transpose"))
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert any(isinstance(m, nn.ConvTranspose2d) for m in net.modules())
    assert net.eval()(torch.rand(1, 3, 20, 30)).shape == (1, 3, 20, 30)


def test_config_round_trip_and_bad_configs() -> None:
    cfg = UNetConfig(depth=5, width=8, dropout=2, norm="batch")
    assert build(cfg.to_dict()).config == cfg
    for bad in ({"depth": 1}, {"depth": 4, "dropout": 3}, {"norm": "group"}, {"upsample": "pixel"}):
        with pytest.raises(OptionError):
            UNetConfig(**bad)  # type: ignore[arg-type]
