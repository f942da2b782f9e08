"""Multi-style nets: blends collapse exactly to single-style nets, slots grow without change."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.nets.multistyle import (
    StyleMix,
    add_slots,
    collapse,
    conditional_norms,
    mixture,
    spread,
    to_conditional,
)
from brushwork.nets.transformer import TransformerConfig, TransformerNet

TINY = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)


def multi(styles: int = 3, seed: int = 0) -> TransformerNet:
    torch.manual_seed(seed)
    net = TransformerNet(TransformerConfig(widths=(4, 8, 8), residual_blocks=1, styles=styles))
    with torch.no_grad():
        for m in conditional_norms(net):
            m.weight.normal_(1.0, 0.5)
            m.bias.normal_(0.0, 0.5)
    return net.eval()


def one_hot(slot: int, styles: int) -> torch.Tensor:
    c = torch.zeros(1, styles)
    c[0, slot] = 1.0
    return c


def test_mixture_normalises_and_rejects_bad_weights() -> None:
    assert torch.allclose(mixture({0: 1, 2: 3}, 3), torch.tensor([0.25, 0.0, 0.75]))
    with pytest.raises(OptionError, match="positive"):
        mixture({0: 0.0, 1: 0.0}, 3)
    with pytest.raises(OptionError, match=">= 0"):
        mixture({0: 1.0, 1: -0.5}, 3)
    with pytest.raises(OptionError, match="out of range"):
        mixture({3: 1.0}, 3)


def test_collapsed_blend_equals_the_conditional_net() -> None:
    net, x = multi(), torch.rand(2, 3, 21, 30)
    w = mixture({0: 0.2, 1: 0.5, 2: 0.3}, 3)
    with torch.no_grad():
        single = collapse(net, w)
        assert single.config.styles == 0
        assert torch.allclose(single(x), StyleMix(net, w[None])(x), atol=1e-5)
        # weight 1 on one style is that style
        pure = collapse(net, mixture({1: 1.0}, 3))
        assert torch.allclose(pure(x), StyleMix(net, one_hot(1, 3))(x), atol=1e-6)
        assert not torch.allclose(pure(x), StyleMix(net, one_hot(0, 3))(x), atol=1e-3)


def test_single_style_net_converts_and_grows_without_changing() -> None:
    torch.manual_seed(1)
    single, x = TransformerNet(TINY).eval(), torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        conv = to_conditional(single)
        assert conv.config.styles == 1
        assert torch.allclose(conv(x), single(x), atol=1e-6)
        grown = add_slots(multi(), 2)
        assert grown.config.styles == 5
        for slot in range(3):
            assert torch.allclose(
                StyleMix(grown, one_hot(slot, 5))(x), StyleMix(multi(), one_hot(slot, 5)[:, :3])(x)
            )
        ident = add_slots(multi(), 1, init="identity")
        norm = conditional_norms(ident)[0]
        assert torch.equal(norm.weight[3], torch.ones_like(norm.weight[3]))
        assert torch.equal(norm.bias[3], torch.zeros_like(norm.bias[3]))
        spread_net = spread(single, 4)
        assert torch.allclose(StyleMix(spread_net, one_hot(3, 4))(x), single(x), atol=1e-6)


def test_style_mix_checks_its_condition() -> None:
    with pytest.raises(OptionError, match="does not fit"):
        StyleMix(multi(3), torch.ones(1, 2))
