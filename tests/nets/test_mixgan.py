"""MIXGAN's five nets: shapes at 32 px, the prior, and the patch discriminator's 8 x 8 field (a
change to one input pixel changes only the outputs within reach)."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.nets.mixgan import (
    PATCH,
    MixGAN,
    MixGANConfig,
    MixGANCritics,
    PatchCritic,
    build,
    build_critics,
    pad_to,
)

CFG = MixGANConfig(width=4, hidden=16, latent=8)


def test_shapes_through_every_net() -> None:
    net, critics = MixGAN(CFG).eval(), MixGANCritics(CFG).eval()
    x = torch.rand(3, 1, 32, 32)
    z = net.encode(x)
    assert z.shape == (3, 8)
    image, feats = net.content(z)
    assert image.shape == (3, 1, 32, 32) and feats.shape == (3, 4, 32, 32)
    mixture = net.mixture(image, feats, net.sample_style(3))
    assert mixture.shape == (3, 3, 32, 32)
    assert critics.latent(z).shape == (3, 1)
    assert critics.patch(mixture).shape == (3, 1, 32, 32)
    shape, mix = net.render(z)
    assert float(shape.detach().min()) >= 0 and float(mix.detach().max()) <= 1
    assert net(x).shape == (3, 3, 32, 32)
    assert build(CFG.to_dict()).config == CFG and build_critics(CFG.to_dict()).config == CFG


def test_the_prior_is_uniform_on_the_cube() -> None:
    z = MixGAN(CFG).sample_prior(20000, torch.Generator().manual_seed(0))
    assert float(z.min()) >= -1 and float(z.max()) <= 1
    assert float(z.mean()) == pytest.approx(0.0, abs=0.01)
    assert float(z.var()) == pytest.approx(1 / 3, abs=0.01)  # the variance of U(-1, 1)


def test_patch_critic_sees_8x8_patches_only() -> None:
    torch.manual_seed(0)
    d = PatchCritic(CFG).double()
    x = torch.rand(1, 3, 32, 32, dtype=torch.float64, requires_grad=True)
    d(x)[0, 0, 16, 16].backward()
    grad = x.grad.abs().sum(1)[0]  # type: ignore[union-attr]
    rows = grad.sum(1).nonzero().flatten()
    cols = grad.sum(0).nonzero().flatten()
    assert int(rows.max() - rows.min() + 1) == PATCH == 8
    assert int(cols.max() - cols.min() + 1) == 8
    # and a change to one pixel reaches only the 8 x 8 outputs around it
    with torch.no_grad():
        y0 = d(x)
        x2 = x.clone()
        x2[0, :, 10, 20] += 1.0
        changed = (d(x2) - y0).abs()[0, 0] > 0
    where = changed.nonzero()
    assert 1 <= len(where) <= 64
    top, left = where.min(0).values.tolist()
    bottom, right = where.max(0).values.tolist()
    assert bottom - top < 8 and right - left < 8  # all within one 8 x 8 window
    assert top <= 10 <= bottom and left <= 20 <= right  # around the pixel


def test_padding_and_bad_configs() -> None:
    assert pad_to(torch.ones(1, 1, 28, 28), 32)[0, 0, 2:30, 2:30].all()
    assert float(pad_to(torch.ones(1, 1, 28, 28), 32)[0, 0, :2].sum()) == 0
    with pytest.raises(OptionError):
        pad_to(torch.ones(1, 1, 40, 40), 32)
    for bad in ({"size": 30}, {"latent": 0}, {"blocks": -1}):
        with pytest.raises(OptionError):
            MixGANConfig(**bad)  # type: ignore[arg-type]
