from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from brushwork.errors import OptionError
from brushwork.nets.norm import shared_statistics
from brushwork.nets.transformer import TransformerConfig, TransformerNet, reflect_pad

TINY = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)


@pytest.mark.parametrize("upsample", ["nearest", "bilinear", "transpose"])
@pytest.mark.parametrize("hw", [(16, 16), (37, 50), (101, 64), (17, 33)])
def test_odd_sizes_come_out_the_size_they_went_in(upsample: str, hw: tuple[int, int]) -> None:
    net = TransformerNet(TransformerConfig(widths=(4, 8, 8), residual_blocks=1, upsample=upsample))
    y = net(torch.rand(2, 3, *hw))
    assert y.shape == (2, 3, *hw)
    assert torch.isfinite(y).all()


def test_paper_architecture() -> None:
    net = TransformerNet()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size for c in (convs[0], convs[-1])] == [(9, 9), (9, 9)]
    assert [c.stride for c in convs[1:3]] == [(2, 2), (2, 2)]
    assert len(net.residual) == 5
    assert convs[0].out_channels == 32 and convs[2].out_channels == 128
    assert not any(isinstance(m, torch.nn.MaxPool2d | torch.nn.AvgPool2d) for m in net.modules())
    n = sum(p.numel() for p in net.parameters())
    assert 1.6e6 < n < 1.8e6  # the paper's net has about 1.7M parameters


def test_config_round_trip_and_errors() -> None:
    cfg = TransformerConfig(widths=(16, 32, 64), upsample="transpose")
    assert TransformerConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(OptionError, match="widths"):
        TransformerConfig(widths=(16, 32))
    with pytest.raises(OptionError, match="upsample"):
        TransformerConfig(upsample="bicubic")
    with pytest.raises(OptionError, match="unknown fields: depth"):
        TransformerConfig.from_dict({"depth": 3})


def test_wrong_input_shape() -> None:
    with pytest.raises(OptionError, match="expected"):
        TransformerNet(TINY)(torch.rand(1, 4, 16, 16))


def test_whole_net_replays_recorded_statistics() -> None:
    torch.manual_seed(0)
    net = TransformerNet(TINY).eval()
    x = torch.rand(1, 3, 64, 64)
    other = torch.rand(1, 3, 64, 64) * 0.5 + 0.5  # brighter, other statistics everywhere
    with torch.no_grad():
        with shared_statistics(net, "record"):
            y = net(x)
        with shared_statistics(net, "replay"):
            y2 = net(x)
        with shared_statistics(net, "record"):
            net(x)
        with shared_statistics(net, "replay"):  # replayed on a different input
            z = net(other)
        plain = net(other)
        with shared_statistics(net, "record"):
            net(other)
        with shared_statistics(net, "replay"):
            z_own = net(other)
    assert torch.allclose(y, y2, atol=1e-6)
    # other's pixels normalised with x's statistics: not what other's own statistics give
    assert (z - plain).abs().max() > 0.5 * plain.abs().max()  # an untrained net: small outputs
    assert torch.allclose(z_own, plain, atol=1e-6)


def test_gradients_reach_every_parameter() -> None:
    net = TransformerNet(TINY)
    net(torch.rand(2, 3, 32, 32)).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_widened_net_computes_the_same_function_at_twice_the_widths() -> None:
    from brushwork.nets.transformer import widened

    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(widths=(4, 6, 8), residual_blocks=2)).eval()
    for p in net.parameters():  # trained-looking norms, not the ones-and-zeros init
        p.data.add_(0.1 * torch.randn_like(p))
    x = torch.rand(2, 3, 30, 42)
    wide = widened(net, noise=0.0).eval()
    assert wide.config.widths == (8, 12, 16)
    assert sum(p.numel() for p in wide.parameters()) > 3 * sum(p.numel() for p in net.parameters())
    with torch.no_grad():
        torch.testing.assert_close(wide(x), net(x), atol=1e-5, rtol=1e-5)
        # with noise the copies differ (training can set them apart) but barely change the output
        noisy = widened(net, noise=1e-3).eval()
        w = noisy.encoder[0].conv[1].weight
        assert not torch.equal(w[:4], w[4:])
        assert (noisy(x) - net(x)).abs().max() < 0.02


def test_widening_refuses_transposed_convs() -> None:
    from brushwork.nets.transformer import widened

    with pytest.raises(OptionError, match="transposed"):
        widened(TransformerNet(TransformerConfig(widths=(4, 4, 4), upsample="transpose")))


@pytest.mark.parametrize("hw", [(16, 16), (37, 50), (17, 33)])
def test_a_border_is_reflected_context_cropped_off_again(hw: tuple[int, int]) -> None:
    torch.manual_seed(0)
    plain = TransformerNet(TINY).eval()
    bordered = TransformerNet(TransformerConfig(widths=(4, 8, 8), residual_blocks=1, border=15))
    bordered.load_state_dict(plain.state_dict())  # a border adds no weights
    x = torch.rand(1, 3, *hw)
    with torch.no_grad():
        y = bordered.eval()(x)
        by_hand = plain(F.pad(x, (15, 15, 15, 15), mode="reflect"))[..., 15:-15, 15:-15]
    assert y.shape == x.shape
    torch.testing.assert_close(y, by_hand)
    # the border changes the picture's edge (context) but not what the plain net is
    with torch.no_grad():
        assert not torch.allclose(y, plain(x), atol=1e-4)


def test_a_border_wider_than_the_picture_is_reflected_in_steps() -> None:
    # 32 px around a 16 px picture: one reflection reaches 15 px, a second the other 17
    x = torch.arange(16.0).reshape(1, 1, 1, 16).expand(1, 3, 16, 16)
    y = reflect_pad(x, 32)
    assert y.shape == (1, 3, 80, 80)
    row = y[0, 0, 40].tolist()
    first = F.pad(x, (15, 15, 15, 15), mode="reflect")
    torch.testing.assert_close(y, F.pad(first, (17, 17, 17, 17), mode="reflect"))
    assert row[32:48] == list(range(16))  # the picture itself in the middle
    # by hand: the first reflection is 15..1 | 0..15 | 14..0, the second reflects that again
    assert row[31] == 1.0 and row[17] == 15.0 and row[16] == 14.0 and row[0] == 2.0
    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(widths=(4, 8, 8), residual_blocks=1, border=32))
    with torch.no_grad():
        assert net.eval()(torch.rand(1, 3, 16, 20)).shape == (1, 3, 16, 20)


def test_border_is_checked_and_left_out_of_older_configs() -> None:
    assert "border" not in TransformerConfig().to_dict()  # old config.json files stay as they are
    cfg = TransformerConfig(border=15)
    assert TransformerConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(OptionError, match="border"):
        TransformerConfig(border=33)  # wider than MAX_BORDER
    with pytest.raises(OptionError, match="border"):
        TransformerConfig(border=-1)
