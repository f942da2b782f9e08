"""GAN losses against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses.adversarial import GANLoss, gan_loss


def test_lsgan_is_the_mean_squared_distance_to_the_target() -> None:
    x = torch.tensor([[0.0, 2.0], [1.0, -1.0]])
    assert float(gan_loss(x, True, "lsgan")) == pytest.approx((1 + 1 + 0 + 4) / 4)
    assert float(gan_loss(x, False, "lsgan")) == pytest.approx((0 + 4 + 1 + 1) / 4)


def test_vanilla_is_binary_cross_entropy_on_logits() -> None:
    x = torch.tensor([0.0, 2.0])
    real = (-math.log(0.5) - math.log(1 / (1 + math.exp(-2)))) / 2
    fake = (-math.log(0.5) - math.log(1 - 1 / (1 + math.exp(-2)))) / 2
    assert float(gan_loss(x, True, "vanilla")) == pytest.approx(real)
    assert float(gan_loss(x, False, "vanilla")) == pytest.approx(fake)


def test_module_matches_function_and_bf16_is_upcast() -> None:
    x = torch.randn(2, 1, 5, 5)
    assert torch.equal(GANLoss("vanilla")(x, True), gan_loss(x, True, "vanilla"))
    assert gan_loss(x.bfloat16(), True).dtype == torch.float32


def test_unknown_mode() -> None:
    with pytest.raises(OptionError, match="lsgan"):
        gan_loss(torch.zeros(1), True, "wgan")
    with pytest.raises(OptionError):
        GANLoss("hinge")
