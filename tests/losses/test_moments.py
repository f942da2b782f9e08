from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import MomentLoss, moment_loss
from brushwork.ops.moments import mean_std


def test_moment_loss_hand_computed() -> None:
    x = torch.tensor([[[[1.0, 3.0]], [[0.0, 0.0]]]])  # means (2, 0), stds (1, 0) (eps aside)
    target_mean = torch.tensor([0.0, 1.0]).view(1, 2, 1, 1)
    target_std = torch.tensor([3.0, 0.0]).view(1, 2, 1, 1)
    # means: ((2-0)^2 + (0-1)^2) / 2 = 2.5; stds: ((1-3)^2 + (0.00316-0)^2) / 2 ~ 2.000005
    got = float(moment_loss(x, target_mean, target_std))
    assert got == pytest.approx(2.5 + (4.0 + 1e-5) / 2, rel=1e-4)


def test_zero_at_the_targets_and_module_agrees() -> None:
    x = torch.randn(2, 4, 5, 5)
    m, s = mean_std(x)
    assert float(moment_loss(x, m, s)) == pytest.approx(0.0, abs=1e-10)
    y = torch.randn(2, 4, 7, 3)
    assert torch.equal(MomentLoss(m, s)(y), moment_loss(y, m, s))


def test_gradient_moves_the_statistics_to_the_target() -> None:
    x = torch.randn(1, 3, 8, 8, requires_grad=True)
    m, s = torch.full((1, 3, 1, 1), 2.0), torch.full((1, 3, 1, 1), 0.5)
    opt = torch.optim.Adam([x], lr=0.05)
    first = float(moment_loss(x.detach(), m, s))
    for _ in range(100):
        opt.zero_grad()
        moment_loss(x, m, s).backward()
        opt.step()
    assert float(moment_loss(x.detach(), m, s)) < 0.01 * first


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(OptionError, match="moment_loss"):
        moment_loss(torch.rand(1, 3, 4, 4), torch.rand(1, 4, 1, 1), torch.rand(1, 4, 1, 1))


def test_gradcheck_on_the_loss_itself() -> None:
    f = torch.rand(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    mean, std = torch.rand(2, 3, 1, 1, dtype=torch.float64), torch.rand(2, 3, 1, 1).double()
    assert torch.autograd.gradcheck(moment_loss, (f, mean, std))
    assert torch.autograd.gradcheck(mean_std, (f,))
